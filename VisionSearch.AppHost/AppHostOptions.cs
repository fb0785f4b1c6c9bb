using System.ComponentModel.DataAnnotations;

namespace VisionSearch.AppHost;

/// <summary>The AppHost's settings: section <c>AppHost</c>, or <c>--AppHost:ApiPort=5081</c> on the command line.</summary>
public sealed class AppHostOptions
{
    public const string SectionName = "AppHost";

    /// <summary>The API's port on 127.0.0.1.</summary>
    [Range(1, 65535)]
    public int ApiPort { get; set; } = 5080;

    /// <summary>Where redis-server keeps its append-only file, relative to the working directory.</summary>
    [Required]
    public string DataDir { get; set; } = "data";

    /// <summary>How long each resource may take to become healthy.</summary>
    [Range(1, 3600)]
    public int StartupTimeoutSeconds { get; set; } = 120;
}

using System.Diagnostics;

namespace VisionSearch.ServiceDefaults;

/// <summary>The names of VisionSearch's own ActivitySource and Meter, registered with OpenTelemetry by <see cref="ServiceDefaultsExtensions"/>.</summary>
public static class VisionSearchTelemetry
{
    public const string Name = "VisionSearch";

    /// <summary>The libraries' own meters and sources (e.g. VisionSearch.Embeddings), matched by wildcard.</summary>
    public const string LibraryNames = "VisionSearch.*";

    /// <summary>Spans for build, snapshot and search work that ASP.NET Core and Orleans do not trace themselves.</summary>
    public static readonly ActivitySource ActivitySource = new(Name);
}

using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace VisionSearch.AppHost;

/// <summary>
/// The AppHost's settings: section <c>AppHost</c> (appsettings.json, <c>AppHost__Silos=3</c>, <c>--AppHost:Silos=3</c>)
/// or the short switches of <see cref="AppHostSwitches"/> (<c>--silos 3</c>).
/// </summary>
public sealed class AppHostOptions : IValidatableObject
{
    public const string SectionName = "AppHost";

    /// <summary>How many silo processes (replicas of the silo project) to run.</summary>
    [Range(1, 16)]
    public int Silos { get; set; } = 2;

    /// <summary>
    /// One process for one machine: a silo that serves the API itself (<c>Silo:ServeApi</c>) in place of the API and the
    /// silos, so that a search crosses no process boundary; <see cref="Silos"/> does not apply.
    /// </summary>
    public bool SingleProcess { get; set; }

    /// <summary>The API's port on 127.0.0.1 (no proxy in front of it: a search crosses no extra hop).</summary>
    [Range(1, 65535)]
    public int ApiPort { get; set; } = 5080;

    /// <summary>The search page's port on 127.0.0.1.</summary>
    [Range(1, 65535)]
    public int WebPort { get; set; } = 5070;

    /// <summary>The silos' HTTP port (health, the Orleans dashboard), Aspire's proxy in front of every replica.</summary>
    [Range(1, 65535)]
    public int SiloHttpPort { get; set; } = 5090;

    /// <summary>Where redis-server keeps its append-only file; a relative path is taken from the repository root.</summary>
    [Required]
    public string DataDir { get; set; } = "data";

    /// <summary>The folder shared with callers for local sources (the silos' Datasets:Roots), made if missing; a relative path is taken from the repository root.</summary>
    [Required]
    public string DatasetsDir { get; set; } = "datasets";

    /// <summary>The silos' default embedder, <c>local</c> or <c>sagemaker</c>; unset keeps the silo's own setting.</summary>
    public string? Embedder { get; set; }

    /// <summary>The local CLIP model: a folder in the Hugging Face layout or a Hub repo id.</summary>
    public string? Model { get; set; }

    /// <summary>The SageMaker endpoint the <c>sagemaker</c> embedder calls.</summary>
    public string? SageMakerEndpoint { get; set; }

    /// <summary>The SageMaker endpoint's AWS region (else AWS_REGION).</summary>
    public string? Region { get; set; }

    /// <summary>An OTLP collector of your own for every service's traces, metrics and logs, in place of the dashboard's.</summary>
    public string? Otlp { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Embedder is not (null or "local" or "sagemaker"))
        {
            yield return new ValidationResult($"The embedder '{Embedder}' is unknown: use local or sagemaker.", [nameof(Embedder)]);
        }

        if (Embedder == "sagemaker" && string.IsNullOrWhiteSpace(SageMakerEndpoint))
        {
            yield return new ValidationResult("The sagemaker embedder needs an endpoint: --sagemaker-endpoint NAME.", [nameof(SageMakerEndpoint)]);
        }

        if (new[] { ApiPort, SiloHttpPort, WebPort }.Distinct().Count() < 3)
        {
            yield return new ValidationResult($"The API ({ApiPort}), the silos ({SiloHttpPort}) and the page ({WebPort}) need a port each.", [nameof(WebPort)]);
        }

        if (Otlp is not null && !Uri.TryCreate(Otlp, UriKind.Absolute, out _))
        {
            yield return new ValidationResult($"--otlp '{Otlp}' is not a URL such as http://localhost:4317.", [nameof(Otlp)]);
        }
    }

    /// <summary>
    /// The validated settings, relative folders made absolute from <paramref name="root"/> (<c>dotnet run</c> starts the
    /// AppHost in its project folder, whatever folder the command was typed in); or null after printing the one line
    /// that says what is wrong.
    /// </summary>
    public static AppHostOptions? Bind(IConfiguration configuration, string root)
    {
        var options = new AppHostOptions();
        try
        {
            configuration.GetSection(SectionName).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"Invalid settings: {e.InnerException?.Message ?? e.Message} See --help.");
            return null;
        }

        var failures = new List<ValidationResult>();
        if (Validator.TryValidateObject(options, new ValidationContext(options), failures, validateAllProperties: true))
        {
            options.DataDir = Path.GetFullPath(options.DataDir, root);
            options.DatasetsDir = Path.GetFullPath(options.DatasetsDir, root);
            return options;
        }

        Console.Error.WriteLine($"Invalid settings: {string.Join(" ", failures.Select(f => $"AppHost:{f.MemberNames.FirstOrDefault()}: {f.ErrorMessage}"))} See --help.");
        return null;
    }
}

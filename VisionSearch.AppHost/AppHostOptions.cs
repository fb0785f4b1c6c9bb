using System.ComponentModel.DataAnnotations;

namespace VisionSearch.AppHost;

/// <summary>
/// The AppHost's settings: section <c>AppHost</c> (appsettings.json, <c>AppHost__Silos=3</c>, <c>--AppHost:Silos=3</c>)
/// or the short switches of <see cref="AppHostSwitches"/> (<c>--silos 3</c>).
/// </summary>
public sealed class AppHostOptions : IValidatableObject
{
    public const string SectionName = "AppHost";

    /// <summary>How many silo processes to run.</summary>
    [Range(1, 16)]
    public int Silos { get; set; } = 2;

    /// <summary>The API's port on 127.0.0.1.</summary>
    [Range(1, 65535)]
    public int ApiPort { get; set; } = 5080;

    /// <summary>The first silo's HTTP port (health and the Orleans dashboard); silo N listens on this + N - 1.</summary>
    [Range(1, 65535)]
    public int SiloHttpPort { get; set; } = 5090;

    /// <summary>Silo <paramref name="silo"/>'s HTTP port (1-based).</summary>
    public int SiloHttpPortOf(int silo) => SiloHttpPort + silo - 1;

    /// <summary>Where redis-server keeps its append-only file, relative to the working directory.</summary>
    [Required]
    public string DataDir { get; set; } = "data";

    /// <summary>The folder shared with callers for local sources (the silos' Datasets:Roots), relative to the working directory; made if missing.</summary>
    [Required]
    public string DatasetsDir { get; set; } = "datasets";

    /// <summary>How long each resource may take to become healthy.</summary>
    [Range(1, 3600)]
    public int StartupTimeoutSeconds { get; set; } = 120;

    /// <summary>The silos' default embedder, <c>local</c> or <c>sagemaker</c>; unset keeps the silo's own setting.</summary>
    public string? Embedder { get; set; }

    /// <summary>The local CLIP model: a folder in the Hugging Face layout or a Hub repo id.</summary>
    public string? Model { get; set; }

    /// <summary>The SageMaker endpoint the <c>sagemaker</c> embedder calls.</summary>
    public string? SageMakerEndpoint { get; set; }

    /// <summary>The SageMaker endpoint's AWS region (else AWS_REGION).</summary>
    public string? Region { get; set; }

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

        if (SiloHttpPortOf(Silos) > 65535 || (ApiPort >= SiloHttpPort && ApiPort <= SiloHttpPortOf(Silos)))
        {
            yield return new ValidationResult(
                $"The silos' HTTP ports {SiloHttpPort}..{SiloHttpPortOf(Silos)} must be valid and leave out the API's port {ApiPort}.",
                [nameof(SiloHttpPort)]);
        }
    }

    /// <summary>The silos' configuration for the embedder settings that were given, as environment variables.</summary>
    public IEnumerable<KeyValuePair<string, string>> EmbedderEnvironment()
    {
        (string Key, string? Value)[] settings =
        [
            ("Embeddings__Embedder", Embedder),
            ("Embeddings__Clip__Model", Model),
            ("Embeddings__SageMaker__EndpointName", SageMakerEndpoint),
            ("Embeddings__SageMaker__Region", Region),
        ];
        return settings.Where(s => !string.IsNullOrWhiteSpace(s.Value)).Select(s => KeyValuePair.Create(s.Key, s.Value!));
    }
}

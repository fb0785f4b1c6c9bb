using System.ComponentModel.DataAnnotations;

namespace VisionSearch.Embeddings.SageMaker;

/// <summary>The SageMaker endpoint that embeds when a build or query says <c>embedder: sagemaker</c>. Section <c>Embeddings:SageMaker</c>.</summary>
public sealed class SageMakerOptions
{
    public const string SectionName = "Embeddings:SageMaker";

    /// <summary>SageMaker's limit on a request or response body, 6 MiB.</summary>
    public const int PayloadLimit = 6 * 1024 * 1024;

    /// <summary>The endpoint a build uses when its spec names none (what <c>dotnet run --project cloud/VisionSearch.Cloud -- deploy</c> printed).</summary>
    [RegularExpression("^[a-zA-Z0-9](-*[a-zA-Z0-9])*$", ErrorMessage = "An endpoint name is letters, digits and inner hyphens.")]
    [MaxLength(63)]
    public string? EndpointName { get; set; }

    /// <summary>The endpoint's region; empty takes AWS_REGION, AWS_DEFAULT_REGION or the profile's.</summary>
    public string? Region { get; set; }

    /// <summary>Another base URL for the runtime API (a VPC endpoint, a stand-in); empty: <c>https://runtime.sagemaker.{region}.amazonaws.com</c>.</summary>
    public Uri? ServiceUrl { get; set; }

    /// <summary>
    /// Another base URL for SageMaker's control plane (a VPC endpoint, a stand-in); empty: <c>https://api.sagemaker.{region}.amazonaws.com</c>.
    /// The silo asks it (DescribeEndpoint) which configuration the endpoint serves, so the embedding cache never hands out
    /// vectors of a model the endpoint no longer runs.
    /// </summary>
    public Uri? ControlPlaneUrl { get; set; }

    /// <summary>How long the configuration an endpoint serves is taken as known before DescribeEndpoint is asked again.</summary>
    public TimeSpan IdentityRefresh { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Attempts per call, the first included (throttling, 5xx, timeouts and dropped connections are retried).</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The first retry waits up to this long, doubling with each retry up to <see cref="MaxRetryDelay"/> (jittered).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long one attempt may take: the model has 60 s to answer, AWS advises 70 s on the socket.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(70);

    /// <summary>Texts or images per request, fewer when they would pass <see cref="MaxPayloadBytes"/>.</summary>
    [Range(1, 1024)]
    public int MaxBatchSize { get; set; } = 32;

    /// <summary>The largest request body sent.</summary>
    [Range(1024, PayloadLimit)]
    public int MaxPayloadBytes { get; set; } = PayloadLimit;

    /// <summary>
    /// Whether the endpoint takes <c>{"images": [base64, …]}</c> (VisionSearch's model/code/inference.py). False
    /// sends each image alone as raw bytes with its image content type, for endpoints running the Python
    /// original's script.
    /// </summary>
    public bool ImageBatches { get; set; } = true;
}

using System.ComponentModel.DataAnnotations;

namespace VisionSearch.Api;

/// <summary>The API's limits and access rules. Section <c>Api</c>.</summary>
public sealed class ApiOptions
{
    public const string SectionName = "Api";

    /// <summary>
    /// The read-write key: when it (or <see cref="ReadOnlyApiKey"/>) is set, every endpoint but health and the docs
    /// needs a key in <c>X-API-Key</c> (or <c>Authorization: Bearer</c>), and this one may also build, write and delete.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>A key for searches, status and items only; building, writing and deleting with it is 403.</summary>
    public string? ReadOnlyApiKey { get; set; }

    /// <summary>With keys set, let searches, status and items through without one (a public search over a keyed index).</summary>
    public bool AnonymousReads { get; set; }

    /// <summary>
    /// Serve with no key at all on an address beyond loopback, on purpose. Without it the API refuses to start
    /// there: anyone who can reach it could build from the shared folders and delete datasets.
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>The largest request body (an uploaded image, with its multipart framing), in bytes; larger is 413.</summary>
    [Range(64 * 1024, 1L << 30)]
    public long MaxUploadBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>The longest text query, in characters (CLIP reads 77 tokens; the original allowed 1000 characters).</summary>
    [Range(1, 1_000_000)]
    public int MaxTextLength { get; set; } = 1000;

    /// <summary>How long a request may take before it is answered 504.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Requests per second each client (API key, else IP address) may make; 0 turns rate limiting off.</summary>
    [Range(0, 1_000_000)]
    public int RateLimitPerSecond { get; set; }

    /// <summary>How many requests a client may make at once above its rate before it gets 429.</summary>
    [Range(1, 1_000_000)]
    public int RateLimitBurst { get; set; } = 100;
}

namespace VisionSearch.HuggingFace;

/// <summary>
/// Where the Hugging Face Hub is and where its files are cached, with huggingface_hub's environment
/// variables as defaults (<c>HF_ENDPOINT</c>, <c>HF_TOKEN</c>, <c>HF_HOME</c>, <c>HF_HUB_CACHE</c>,
/// <c>HF_HUB_OFFLINE</c>), so a cache shared with Python tools is reused.
/// </summary>
public sealed record HubOptions
{
    public Uri Endpoint { get; init; } = new(Environment.GetEnvironmentVariable("HF_ENDPOINT") is { Length: > 0 } e ? e : "https://huggingface.co");

    public string? Token { get; init; } = Environment.GetEnvironmentVariable("HF_TOKEN") is { Length: > 0 } t ? t : null;

    public string CacheDirectory { get; init; } = DefaultCache();

    /// <summary>Use only the cache; never touch the network.</summary>
    public bool Offline { get; init; } = Environment.GetEnvironmentVariable("HF_HUB_OFFLINE") is "1" or "true" or "TRUE";

    /// <summary>Attempts per request (408, 429, 5xx) and per download (a cut connection resumes where it stopped).</summary>
    public int Attempts { get; init; } = 5;

    /// <summary>The first back-off wait; later ones double up to 8×, as in huggingface_hub.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    private static string DefaultCache()
    {
        if (Environment.GetEnvironmentVariable("HF_HUB_CACHE") is { Length: > 0 } cache)
        {
            return cache;
        }

        var home = Environment.GetEnvironmentVariable("HF_HOME") is { Length: > 0 } hfHome
            ? hfHome
            : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "huggingface");
        return Path.Combine(home, "hub");
    }
}

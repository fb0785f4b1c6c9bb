namespace VisionSearch.Web;

/// <summary>The page's settings. Section <c>Web</c>.</summary>
public sealed class WebOptions
{
    public const string SectionName = "Web";

    /// <summary>
    /// The key the page sends with every call when the API has keys (best a read-only one). Building and deleting ask
    /// the person at the page for the read-write key, which is kept for their session only.
    /// </summary>
    public string? ApiKey { get; set; }
}

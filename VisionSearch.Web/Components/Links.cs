namespace VisionSearch.Web.Components;

/// <summary>
/// The page's own addresses for an item. An id may hold '/' (an image in a subfolder): it goes into the path as it is,
/// each segment escaped, and the routes take it whole with a catch-all.
/// </summary>
public static class Links
{
    public static string Item(string dataset, string id) => $"/items/{Uri.EscapeDataString(dataset)}/{Path(id)}";

    public static string Media(string dataset, string id, int? size = null) =>
        $"/media/{Uri.EscapeDataString(dataset)}/{Path(id)}{(size is { } n ? $"?size={n}" : "")}";

    public static string Search(string dataset, string? query = null, string? like = null, int k = 12) =>
        $"/?dataset={Uri.EscapeDataString(dataset)}&k={k}" +
        (query is null ? "" : $"&q={Uri.EscapeDataString(query)}") +
        (like is null ? "" : $"&like={Uri.EscapeDataString(like)}");

    private static string Path(string id) => string.Join('/', id.Split('/').Select(Uri.EscapeDataString));
}

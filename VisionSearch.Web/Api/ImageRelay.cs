using Microsoft.Extensions.Primitives;

namespace VisionSearch.Web.Api;

/// <summary>
/// <c>/media/{dataset}/{id}?size=N</c>: an item's image (or preview) from the API, for the page's &lt;img&gt; tags, which
/// cannot send the API's key themselves; the API's status, type, tag and caching headers pass through, and a browser's
/// If-None-Match goes on to the API, so an unchanged preview costs a 304.
/// </summary>
internal static class ImageRelay
{
    private static readonly string[] Relayed = ["ETag", "Cache-Control", "Last-Modified"];

    public static void MapImageRelay(this IEndpointRouteBuilder app) =>
        app.MapGet("/media/{dataset}/{*id}", async (string dataset, string id, int? size, HttpContext http, ApiClient api) =>
        {
            using var response = await api.GetImageAsync(dataset, id, size, http.Request.Headers.IfNoneMatch, http.RequestAborted);
            http.Response.StatusCode = (int)response.StatusCode;
            foreach (var header in Relayed)
            {
                if (response.Headers.TryGetValues(header, out var values) || response.Content.Headers.TryGetValues(header, out values))
                {
                    http.Response.Headers[header] = new StringValues([.. values]);
                }
            }

            if (response.Content.Headers.ContentType is { } type)
            {
                http.Response.ContentType = type.ToString();
            }

            await response.Content.CopyToAsync(http.Response.Body, http.RequestAborted);
        }).ExcludeFromDescription();
}

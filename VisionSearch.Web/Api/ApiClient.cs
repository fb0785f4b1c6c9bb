using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace VisionSearch.Web.Api;

/// <summary>
/// The API as the page uses it. Every answer is a value or the API's own problem (title, detail, field errors), so
/// the page shows the API's words. Reads carry the configured key (<see cref="WebOptions.ApiKey"/>); builds and deletes
/// carry the read-write key the person typed, when they did.
/// </summary>
public sealed class ApiClient(HttpClient http, IOptions<WebOptions> options)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public Task<Answer<List<DatasetStatus>>> DatasetsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<List<DatasetStatus>>(new HttpRequestMessage(HttpMethod.Get, "/datasets"), null, cancellationToken);

    public Task<Answer<SearchResults>> SearchTextAsync(string dataset, string text, int k, CancellationToken cancellationToken = default) =>
        SendAsync<SearchResults>(new HttpRequestMessage(HttpMethod.Post, "/search") { Content = JsonContent.Create(new { dataset, text, k }, options: Json) }, null, cancellationToken);

    public Task<Answer<SearchResults>> SearchItemAsync(string dataset, string itemId, int k, CancellationToken cancellationToken = default) =>
        SendAsync<SearchResults>(new HttpRequestMessage(HttpMethod.Post, "/search") { Content = JsonContent.Create(new { dataset, item_id = itemId, k }, options: Json) }, null, cancellationToken);

    public Task<Answer<SearchResults>> SearchImageAsync(string dataset, byte[] image, string fileName, string contentType, int k, CancellationToken cancellationToken = default)
    {
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = MediaTypeHeaderValue.TryParse(contentType, out var type) ? type : new MediaTypeHeaderValue("application/octet-stream");
        var form = new MultipartFormDataContent
        {
            { file, "image", fileName },
            { new StringContent(dataset), "dataset" },
            { new StringContent(k.ToString(System.Globalization.CultureInfo.InvariantCulture)), "k" },
        };
        return SendAsync<SearchResults>(new HttpRequestMessage(HttpMethod.Post, "/search") { Content = form }, null, cancellationToken);
    }

    public Task<Answer<ItemView>> ItemAsync(string dataset, string id, CancellationToken cancellationToken = default) =>
        SendAsync<ItemView>(new HttpRequestMessage(HttpMethod.Get, $"/datasets/{Uri.EscapeDataString(dataset)}/items/{Uri.EscapeDataString(id)}"), null, cancellationToken);

    public Task<Answer<DatasetStatus>> BuildAsync(BuildForm form, string? writeKey, CancellationToken cancellationToken = default) =>
        SendAsync<DatasetStatus>(new HttpRequestMessage(HttpMethod.Post, "/index/build") { Content = JsonContent.Create(form.Normalized(), options: Json) }, writeKey, cancellationToken);

    public Task<Answer<object>> DeleteAsync(string dataset, string? writeKey, CancellationToken cancellationToken = default) =>
        SendAsync<object>(new HttpRequestMessage(HttpMethod.Delete, $"/datasets/{Uri.EscapeDataString(dataset)}"), writeKey, cancellationToken);

    /// <summary>An item's image or preview, as the API answers (the caller relays it and disposes it).</summary>
    public Task<HttpResponseMessage> GetImageAsync(string dataset, string id, int? size, StringValues ifNoneMatch, CancellationToken cancellationToken)
    {
        var url = $"/datasets/{Uri.EscapeDataString(dataset)}/items/{Uri.EscapeDataString(id)}/image{(size is { } n ? $"?size={n}" : "")}";
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        foreach (var tag in ifNoneMatch.Where(t => t is not null))
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", tag);
        }

        Authorize(request, null);
        return http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    private async Task<Answer<T>> SendAsync<T>(HttpRequestMessage request, string? key, CancellationToken cancellationToken)
    {
        using (request)
        {
            Authorize(request, key);
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException e)
            {
                return new(default, new Problem(503, "The API does not answer.", e.Message, null));
            }

            using (response)
            {
                if (response.IsSuccessStatusCode)
                {
                    return response.StatusCode == HttpStatusCode.NoContent || response.Content.Headers.ContentLength == 0
                        ? new(default, null)
                        : new(await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken), null);
                }

                return new(default, await ProblemOfAsync(response, cancellationToken));
            }
        }
    }

    private void Authorize(HttpRequestMessage request, string? key)
    {
        if ((key ?? options.Value.ApiKey) is { Length: > 0 } chosen)
        {
            request.Headers.Add("X-API-Key", chosen);
        }
    }

    private static async Task<Problem> ProblemOfAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<Problem>(Json, cancellationToken);
            return problem is null ? new Problem((int)response.StatusCode, response.ReasonPhrase, null, null) : problem with { Status = (int)response.StatusCode };
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            return new Problem((int)response.StatusCode, response.ReasonPhrase, null, null);
        }
    }
}

using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using VisionSearch.Testing;

namespace VisionSearch.Api.Tests;

/// <summary>Small helpers for reading the API's snake_case JSON.</summary>
internal static class ApiJson
{
    public static async Task<JsonNode> ReadJsonAsync(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new JsonException("empty body");

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, object body) =>
        client.PostAsJsonAsync(url, body, new JsonSerializerOptions(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });

    /// <summary>Polls <c>GET /index/status?dataset=</c> until the dataset is ready; fails on a failed build or after 60 s.</summary>
    public static Task<JsonNode> WaitUntilReadyAsync(this HttpClient client, string dataset)
    {
        JsonNode? last = null;
        return Wait.ForAsync(
            async () =>
            {
                last = await (await client.GetAsync($"/index/status?dataset={dataset}")).ReadJsonAsync();
                Xunit.Assert.NotEqual("failed", (string?)last["status"]);
                return (string?)last["status"] == "ready" ? last : null;
            },
            TimeSpan.FromSeconds(60),
            () => $"'{dataset}' was not ready: {last?.ToJsonString()}");
    }

    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string url, string body) =>
        client.PostAsync(url, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

    /// <summary>Checks status and content type of a problem, and returns its <c>errors</c> object (empty for non-validation problems).</summary>
    public static async Task<JsonNode> AssertProblemAsync(HttpResponseMessage response, int status)
    {
        Xunit.Assert.Equal(status, (int)response.StatusCode);
        Xunit.Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadJsonAsync();
        Xunit.Assert.Equal(status, (int)problem["status"]!);
        Xunit.Assert.False(string.IsNullOrEmpty((string?)problem["title"]));
        return problem["errors"] ?? new JsonObject();
    }
}

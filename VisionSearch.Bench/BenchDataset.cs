using System.Globalization;
using System.Net.Http.Json;

namespace VisionSearch.Bench;

/// <summary>A dataset of precomputed vectors made through a running API for one bench run, and deleted after it.</summary>
internal sealed class BenchDataset : IAsyncDisposable
{
    private BenchDataset(HttpClient http, string name) => (Http, Name) = (http, name);

    /// <summary>The API's client, with the key when one was given.</summary>
    public HttpClient Http { get; }

    public string Name { get; }

    /// <summary>Creates <c>{prefix}-{time}</c>: inner product, M 16, ef_construction 200, as the library runs beside it.</summary>
    public static async Task<BenchDataset> CreateAsync(Uri api, string? apiKey, string prefix, int dimension, int shards)
    {
        var http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromMinutes(5) };
        if (apiKey is not null)
        {
            http.DefaultRequestHeaders.Add("X-API-Key", apiKey);
        }

        var name = $"{prefix}-{DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)}";
        (await http.PutAsJsonAsync($"/datasets/{name}", new { dimension, metric = "ip", m = 16, ef_construction = 200, shards })).EnsureSuccessStatusCode();
        return new BenchDataset(http, name);
    }

    public async ValueTask DisposeAsync()
    {
        await Http.DeleteAsync($"/datasets/{Name}");
        Http.Dispose();
    }
}

using System.Net;
using System.Text.Json.Nodes;
using VisionSearch.Testing;
using static VisionSearch.Api.Tests.ApiJson;

namespace VisionSearch.Api.Tests;

/// <summary>Every bad request gets its 4xx as RFC 9457 ProblemDetails naming the field, and changes nothing.</summary>
public sealed class BadInputTests(ApiCluster cluster) : IClassFixture<ApiCluster>
{
    [Fact]
    public async Task Build_without_dataset_and_location_is_422_naming_both()
    {
        var errors = await AssertProblemAsync(await cluster.Client.PostRawAsync("/index/build", "{}"), 422);
        Assert.Contains("dataset", errors.AsObject().Select(e => e.Key));
        Assert.Contains("location", errors.AsObject().Select(e => e.Key));
    }

    [Theory]
    [InlineData("""{"dataset":"a b","location":"/x.fvecs"}""", "dataset")]
    [InlineData("""{"dataset":"ok","location":"/x.fvecs","limit":0}""", "limit")]
    [InlineData("""{"dataset":"ok","location":"/x.fvecs","limit":"ten"}""", "limit")]
    [InlineData("""{"dataset":"ok","location":"{data}/nowhere/x.fvecs"}""", "location")]
    [InlineData("""{"dataset":"ok","location":"{data}/hostname"}""", "location")]
    [InlineData("""{"dataset":"ok","location":"/x.fvecs","source":"hf"}""", "source")]
    [InlineData("""{"dataset":"ok","location":"/x.fvecs","metric":"hamming"}""", "metric")]
    [InlineData("""{"dataset":"ok","location":"/x.fvecs","quantization":"pq"}""", "quantization")]
    [InlineData("""{"dataset":"ok","location":"/x.fvecs","m":1}""", "m")]
    [InlineData("""{"dataset":"ok","location":"/x.fvecs","shards":0}""", "shards")]
    [InlineData("""{"dataset":"ok","location":"{data}/nowhere","source":"folder"}""", "location")]
    [InlineData("""{"dataset":"ok","location":"{data}/nowhere/a.parquet","source":"parquet"}""", "location")]
    [InlineData("""{"dataset":"ok","location":"{data}/nowhere/a.txt","source":"text"}""", "location")]
    [InlineData("""{"dataset":"ok","location":"/nowhere","source":"folder","embedder":"openai"}""", "embedder")]
    [InlineData("""{"dataset":"ok","location":"/nowhere","source":"folder","embedder":"sagemaker"}""", "model")]
    [InlineData("""{"dataset":"ok","location":"/x.fvecs","mode":"rebuild"}""", "mode")]
    [InlineData("""{"dataset":"ok","mode":"sync"}""", "dataset")] // never built: nothing to sync
    [InlineData("""{"dataset":"ok","mode":"sync","compare":"hashes"}""", "compare")]
    [InlineData("""{"dataset":"ok","location":"/x.fvecs","compare":"content"}""", "compare")] // a build reads everything
    [InlineData("""{"dataset":"ok",""", "body")]
    [InlineData("", "body")]
    public async Task Bad_build_request_is_422_naming_the_field_and_creates_nothing(string body, string field)
    {
        // {data}: the cluster's own folder, which its silo shares (paths outside it are 403: SharedFolderTests).
        await File.WriteAllTextAsync(cluster.Data.File("hostname"), "a file that is no vector file");
        body = body.Replace("{data}", cluster.Data.Path, StringComparison.Ordinal);
        var errors = await AssertProblemAsync(await cluster.Client.PostRawAsync("/index/build", body), 422);
        Assert.Equal([field], errors.AsObject().Select(e => e.Key));
        Assert.Equal(HttpStatusCode.NotFound, (await cluster.Client.GetAsync("/index/status?dataset=ok")).StatusCode);
    }

    [Theory]
    [InlineData("""{"dataset":"tiny","vector":[1,0,0,0],"k":0}""", "k")]
    [InlineData("""{"dataset":"tiny","vector":[1,0,0,0],"k":100000}""", "k")]
    [InlineData("""{"dataset":"tiny","vector":[1,0,0,0],"k":"x"}""", "k")]
    [InlineData("""{"dataset":"tiny","vector":[1,0,0,0],"ef":0}""", "ef")]
    [InlineData("""{"dataset":"tiny","vector":[]}""", "vector")]
    [InlineData("""{"dataset":"tiny","vector":"abc"}""", "vector")]
    [InlineData("""{"dataset":"tiny","vector":[1,0,0]}""", "vector")]
    [InlineData("""{"dataset":"tiny","vector":[0,0,0,0]}""", "vector")]
    [InlineData("""{"dataset":"a b","vector":[1,0,0,0]}""", "dataset")]
    [InlineData("""{"dataset":"tiny","vector":[1,0,0,0],"text":"both"}""", "body")]
    [InlineData("""{"dataset":"tiny"}""", "text")]
    [InlineData("""{"dataset":"tiny","text":"  "}""", "text")]
    [InlineData("""{"dataset":"tiny","text":"a photo"}""", "text")]
    [InlineData("""{"dataset":"tiny","item_id":""}""", "item_id")]
    [InlineData("""{"dataset":"tiny","vector":[1,0,0,0],"score_threshold":"high"}""", "score_threshold")]
    [InlineData("""[1,2""", "body")]
    public async Task Bad_search_is_422_naming_the_field(string body, string field)
    {
        await EnsureTinyDatasetAsync();
        var errors = await AssertProblemAsync(await cluster.Client.PostRawAsync("/search", body), 422);
        Assert.Equal([field], errors.AsObject().Select(e => e.Key));
    }

    [Fact]
    public async Task Unknown_dataset_is_404_for_search_and_status()
    {
        await AssertProblemAsync(await cluster.Client.PostRawAsync("/search", """{"dataset":"never-built","vector":[1,2]}"""), 404);
        await AssertProblemAsync(await cluster.Client.GetAsync("/index/status?dataset=never-built"), 404);
    }

    [Fact]
    public async Task Swagger_UI_is_at_docs_and_the_OpenAPI_document_lists_the_endpoints()
    {
        var ui = await cluster.Client.GetAsync("/docs/index.html");
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
        Assert.Contains("swagger-ui", await ui.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var document = await (await cluster.Client.GetAsync("/openapi/v1.json")).ReadJsonAsync();
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("/index/build", paths);
        Assert.Contains("/index/status", paths);
        Assert.Contains("/search", paths);
        Assert.NotNull(document["paths"]!["/index/build"]!["post"]!["responses"]!["422"]);
        Assert.Equal(["cosine", "ip", "l2"], document["components"]!["schemas"]!["Metric"]!["enum"]!.AsArray().Select(n => (string)n!)); // as stored and shown
    }

    private async Task EnsureTinyDatasetAsync()
    {
        var path = cluster.Data.File("tiny.fvecs");
        if (!File.Exists(path))
        {
            TestVectors.WriteFvecs(path, [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]);
        }

        await cluster.Client.PostJsonAsync("/index/build", new { dataset = "tiny", location = path });
        await cluster.Client.WaitUntilReadyAsync("tiny");
    }
}

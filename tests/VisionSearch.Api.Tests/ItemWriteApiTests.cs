using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using VisionSearch.Embeddings;
using VisionSearch.Embeddings.Clip;
using VisionSearch.Testing;
using static VisionSearch.Api.Tests.ApiJson;

namespace VisionSearch.Api.Tests;

/// <summary>
/// Datasets fed through the API: <c>PUT /datasets/{name}</c>, then items written, replaced and deleted by HTTP, each
/// item with its own outcome, and what the searches, the item endpoints and the status make of them.
/// </summary>
public sealed class ItemWriteApiTests(ApiCluster cluster) : IClassFixture<ApiCluster>
{
    private static readonly float[] Red = [1, 0, 0, 0, 0, 0, 0, 0.1f];
    private static readonly float[] Green = [0, 1, 0, 0, 0, 0, 0.1f, 0];
    private static readonly float[] TooShort = [1, 0];
    private static readonly string[] RedAndNever = ["red", "never"];
    private static readonly string[] EmptyId = [""];

    [Fact]
    public async Task A_dataset_is_created_once_the_same_again_is_ok_another_conflicts_and_bad_settings_are_named()
    {
        var created = await PutAsync("/datasets/made", new { dimension = 8 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/datasets/made", created.Headers.Location?.ToString());
        var status = await created.ReadJsonAsync();
        Assert.Equal(("ready", 0L, 8, "api", "cosine"), ((string)status["status"]!, (long)status["count"]!, (int)status["dimension"]!, (string)status["spec"]!["source"]!, (string)status["spec"]!["metric"]!));
        Assert.Equal(HttpStatusCode.OK, (await PutAsync("/datasets/made", new { dimension = 8 })).StatusCode);
        await AssertProblemAsync(await PutAsync("/datasets/made", new { dimension = 9 }), 409);
        Assert.NotNull((await AssertProblemAsync(await PutAsync("/datasets/both", new { dimension = 8, model = "some/model" }), 422))["dimension"]);
        Assert.Equal(
            "Metric 'hamming' is unknown; use cosine, ip or l2.",
            (string)(await AssertProblemAsync(await PutAsync("/datasets/odd", new { dimension = 8, metric = "hamming" }), 422))["metric"]![0]!);
        Assert.Equal(HttpStatusCode.NotFound, (await cluster.Client.GetAsync("/datasets/odd")).StatusCode);
        var dot = await (await PutAsync("/datasets/dot", new { dimension = 8, metric = "Dot" })).ReadJsonAsync();
        Assert.Equal("ip", (string)dot["spec"]!["metric"]!); // an alias is stored and shown as the metric's name
        Assert.Equal("none", (string)dot["spec"]!["quantization"]!);
        var bits = await (await PutAsync("/datasets/bits", new { dimension = 8, quantization = "Binary" })).ReadJsonAsync();
        Assert.Equal("rabitq", (string)bits["spec"]!["quantization"]!);
        Assert.Equal(
            "Quantization 'pq' is unknown; use none, sq8 or rabitq.",
            (string)(await AssertProblemAsync(await PutAsync("/datasets/odd", new { dimension = 8, quantization = "pq" }), 422))["quantization"]![0]!);
    }

    [Fact]
    public async Task A_vector_dataset_is_written_item_by_item_and_its_bad_items_are_named()
    {
        Assert.Equal(HttpStatusCode.Created, (await PutAsync("/datasets/vecs", new { dimension = 8 })).StatusCode);
        var written = await WriteAsync("vecs", new object[]
        {
            new { id = "red", vector = Red, metadata = new { color = "red", n = 3, ok = true } },
            new { id = "short", vector = TooShort },
            new { id = "", vector = Red },
            new { id = "both", text = "a text", vector = Red },
            new { id = "nested", vector = Red, metadata = new { inner = new { a = 1 } } },
        });
        Assert.Equal((1, 4), ((int)written["indexed"]!, (int)written["invalid"]!));
        Assert.Equal(
            ["indexed:", "invalid:items[1].vector", "invalid:items[2].id", "invalid:items[3]", "invalid:items[4].metadata.inner"],
            written["items"]!.AsArray().Select(i => $"{(string)i!["outcome"]!}:{(string?)i["field"]}"));

        var item = await (await cluster.Client.GetAsync("/datasets/vecs/items/red")).ReadJsonAsync();
        Assert.Equal("vector", (string)item["kind"]!);
        Assert.Equal("""{"color":"red","n":3,"ok":true}""", item["metadata"]!.ToJsonString()); // each value keeps its JSON type
        var hits = await SearchAsync("vecs", Red);
        Assert.Equal(("red", "red"), ((string)hits[0]!["id"]!, (string)hits[0]!["metadata"]!["color"]!));

        var replaced = await WriteAsync("vecs", new object[] { new { id = "red", vector = Green, metadata = new { color = "green" } } });
        Assert.Equal("replaced", (string)replaced["items"]![0]!["outcome"]!);
        Assert.Equal("green", (string)(await SearchAsync("vecs", Green))[0]!["metadata"]!["color"]!);
        Assert.Equal(1, (long)(await (await cluster.Client.GetAsync("/datasets/vecs")).ReadJsonAsync())["count"]!);

        Assert.Equal(HttpStatusCode.NoContent, (await cluster.Client.DeleteAsync("/datasets/vecs/items/red")).StatusCode);
        await AssertProblemAsync(await cluster.Client.DeleteAsync("/datasets/vecs/items/red"), 404);
        Assert.Empty(await SearchAsync("vecs", Green));
        var many = await (await cluster.Client.PostJsonAsync("/datasets/vecs/items/delete", new { ids = RedAndNever })).ReadJsonAsync();
        Assert.Equal(2, (int)many["not_found"]!);
        Assert.Equal(0, (long)(await (await cluster.Client.GetAsync("/datasets/vecs")).ReadJsonAsync())["count"]!);
    }

    [Fact]
    public async Task Vectors_may_be_sent_as_base64_float32_and_a_bad_one_is_named()
    {
        Assert.Equal(HttpStatusCode.Created, (await PutAsync("/datasets/b64", new { dimension = 8 })).StatusCode);
        static string Base64(float[] vector) => Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.AsSpan()));

        var written = await WriteAsync("b64", new object[] { new { id = "red", vector = Base64(Red) }, new { id = "green", vector = Green } });
        Assert.Equal(2, (int)written["indexed"]!);
        var found = await (await cluster.Client.PostJsonAsync("/search", new { dataset = "b64", vector = Base64(Green), k = 2 })).ReadJsonAsync();

        Assert.Equal(["green", "red"], found["results"]!.AsArray().Select(r => (string)r!["id"]!));
        Assert.Equal(1f, (float)found["results"]![0]!["score"]!, 5); // the same vector, to the bit
        var errors = await AssertProblemAsync(await cluster.Client.PostJsonAsync("/search", new { dataset = "b64", vector = "AAAA" }), 422); // 3 bytes
        Assert.NotNull(errors["vector"]);
        Assert.NotNull((await AssertProblemAsync(await cluster.Client.PostJsonAsync("/search", new { dataset = "b64", vector = "not base64!" }), 422))["vector"]);
    }

    [Fact]
    public async Task Writes_to_what_does_not_exist_or_with_no_items_are_refused_with_the_field()
    {
        await AssertProblemAsync(await cluster.Client.PostJsonAsync("/datasets/nowhere/items", new { items = new[] { new { id = "a", vector = Red } } }), 404);
        await AssertProblemAsync(await cluster.Client.DeleteAsync("/datasets/nowhere/items/a"), 404);
        Assert.Equal(HttpStatusCode.Created, (await PutAsync("/datasets/empty", new { dimension = 8 })).StatusCode);
        Assert.NotNull((await AssertProblemAsync(await cluster.Client.PostJsonAsync("/datasets/empty/items", new { items = Array.Empty<object>() }), 422))["items"]);
        Assert.NotNull((await AssertProblemAsync(await cluster.Client.PostJsonAsync("/datasets/empty/items/delete", new { ids = EmptyId }), 422))["ids[0]"]);
        Assert.NotNull((await AssertProblemAsync(await PutAsync("/datasets/bad%20name", new { dimension = 8 }), 422))["name"]);
    }

    [Fact]
    public async Task Texts_and_images_written_to_a_model_dataset_are_embedded_found_and_shown()
    {
        var model = TestFiles.Fixture("clip-tiny");
        Assert.Equal(HttpStatusCode.Created, (await PutAsync("/datasets/notes", new { model })).StatusCode);
        var image = await File.ReadAllBytesAsync(TestFiles.Fixture("clip-tiny", "images", "landscape_321x240.jpg"));

        var written = await WriteAsync("notes", new object[]
        {
            new { id = "circle", text = "a red circle" },
            new { id = "view", image = Convert.ToBase64String(image), metadata = new { place = "hills" } },
        }, wait: false);
        Assert.Equal(2, (int)written["indexed"]!);

        // wait=false answers once the items are durable; they are searchable a moment later.
        var hits = await Wait.ForAsync(
            async () =>
            {
                var results = (await (await cluster.Client.GetAsync("/search?dataset=notes&q=a%20red%20circle&k=2")).ReadJsonAsync())["results"]!.AsArray();
                return results.Count == 2 ? results : null;
            },
            TimeSpan.FromSeconds(30),
            () => "the written items never became searchable");
        Assert.Equal(("circle", 1.0), ((string)hits[0]!["id"]!, Math.Round((double)hits[0]!["score"]!, 4)));
        using var embedder = ClipEmbedder.Open(new ClipModelFolder(model), new ClipOptions());
        var expected = TestVectors.Cosine((await embedder.EmbedImagesAsync([image]))[0], (await embedder.EmbedTextsAsync(["a red circle"]))[0]);
        Assert.Equal(expected, (double)hits[1]!["score"]!, 4);

        Assert.Equal(image, await cluster.Client.GetByteArrayAsync("/datasets/notes/items/view/image"));
        var preview = await cluster.Client.GetAsync("/datasets/notes/items/view/image?size=64");
        Assert.Equal("image/jpeg", preview.Content.Headers.ContentType?.MediaType);
        Assert.Equal("hills", (string)(await (await cluster.Client.GetAsync("/datasets/notes/items/view")).ReadJsonAsync())["metadata"]!["place"]!);
    }

    [Fact]
    public async Task Images_uploaded_as_a_form_are_written_with_their_ids_and_metadata_and_a_bad_one_is_named()
    {
        var model = TestFiles.Fixture("clip-tiny");
        Assert.Equal(HttpStatusCode.Created, (await PutAsync("/datasets/album", new { model })).StatusCode);
        var landscape = await File.ReadAllBytesAsync(TestFiles.Fixture("clip-tiny", "images", "landscape_321x240.jpg"));
        var square = await File.ReadAllBytesAsync(TestFiles.Fixture("clip-tiny", "images", "square_224x224.png"));

        // Ids from the file names; the third file is no image, the fourth's metadata no JSON object.
        using var named = new MultipartFormDataContent
        {
            { new ByteArrayContent(landscape), "images", "landscape.jpg" },
            { new ByteArrayContent(square), "images", "square.png" },
            { new ByteArrayContent("not an image"u8.ToArray()), "images", "notes.txt" },
            { new ByteArrayContent(square), "images", "again.png" },
            { new StringContent("""{"place": "hills", "year": 2024}"""), "metadata" },
            { new StringContent(""), "metadata" },
            { new StringContent(""), "metadata" },
            { new StringContent("[1, 2]"), "metadata" },
        };
        var written = await (await cluster.Client.PostAsync("/datasets/album/items", named)).ReadJsonAsync();
        Assert.Equal(
            ["landscape.jpg:indexed:", "square.png:indexed:", "notes.txt:invalid:images[2].image", "again.png:invalid:metadata[3]"],
            written["items"]!.AsArray().Select(i => $"{(string)i!["id"]!}:{(string)i["outcome"]!}:{(string?)i["field"]}"));
        Assert.Equal(landscape, await cluster.Client.GetByteArrayAsync("/datasets/album/items/landscape.jpg/image"));
        var item = await (await cluster.Client.GetAsync("/datasets/album/items/landscape.jpg")).ReadJsonAsync();
        Assert.Equal(("hills", 2024), ((string)item["metadata"]!["place"]!, (int)item["metadata"]!["year"]!));

        // Ids given, one per image: the same image under its own id replaces nothing else, and an image search finds it first.
        using var withIds = new MultipartFormDataContent { { new ByteArrayContent(square), "images", "x.png" }, { new StringContent("square-2"), "ids" } };
        Assert.Equal("indexed", (string)(await (await cluster.Client.PostAsync("/datasets/album/items", withIds)).ReadJsonAsync())["items"]![0]!["outcome"]!);
        using var query = new MultipartFormDataContent { { new ByteArrayContent(landscape), "image", "q.jpg" }, { new StringContent("album"), "dataset" } };
        var hits = (await (await cluster.Client.PostAsync("/search", query)).ReadJsonAsync())["results"]!.AsArray();
        Assert.Equal(("landscape.jpg", 3), ((string)hits[0]!["id"]!, hits.Count));

        // The form as a whole: ids not one per image, and files in another field.
        using var miscounted = new MultipartFormDataContent { { new ByteArrayContent(square), "images", "a.png" }, { new StringContent("a"), "ids" }, { new StringContent("b"), "ids" } };
        Assert.NotNull((await AssertProblemAsync(await cluster.Client.PostAsync("/datasets/album/items", miscounted), 422))["ids"]);
        using var elsewhere = new MultipartFormDataContent { { new ByteArrayContent(square), "image", "a.png" } };
        Assert.NotNull((await AssertProblemAsync(await cluster.Client.PostAsync("/datasets/album/items", elsewhere), 422))["images"]);
        using var text = new StringContent("id,vector");
        await AssertProblemAsync(await cluster.Client.PostAsync("/datasets/album/items", text), 415);
        Assert.Equal(3, (int)(await (await cluster.Client.GetAsync("/datasets/album")).ReadJsonAsync())["count"]!);
    }

    [Fact]
    public async Task A_search_is_counted_on_the_apis_own_meter_with_its_dataset_kind_and_outcome()
    {
        // The instruments come from the API host's IMeterFactory: listen to that host's meter only, not to another
        // host's in this process.
        var factory = cluster.ApiServices.GetRequiredService<IMeterFactory>();
        var counted = new List<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Name == "visionsearch.search.requests")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var tag = tags.ToArray().ToDictionary(t => t.Key, t => t.Value);
            if ((string?)tag["visionsearch.dataset"] == "metered")
            {
                lock (counted)
                {
                    counted.Add($"{value}:{tag["visionsearch.query"]}:{tag["visionsearch.outcome"]}");
                }
            }
        });
        listener.Start();

        Assert.Equal(HttpStatusCode.Created, (await PutAsync("/datasets/metered", new { dimension = Red.Length })).StatusCode);
        await WriteAsync("metered", [new { id = "red", vector = Red }]);
        Assert.Single(await SearchAsync("metered", Red));

        lock (counted)
        {
            Assert.Equal(["1:vector:Ok"], counted);
        }
    }

    private Task<HttpResponseMessage> PutAsync(string url, object body) =>
        cluster.Client.PutAsJsonAsync(url, body, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));

    private async Task<JsonNode> WriteAsync(string dataset, object[] items, bool wait = true)
    {
        var response = await cluster.Client.PostJsonAsync($"/datasets/{dataset}/items?wait={(wait ? "true" : "false")}", new { items });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadJsonAsync();
    }

    private async Task<JsonArray> SearchAsync(string dataset, float[] vector)
    {
        var response = await cluster.Client.PostJsonAsync("/search", new { dataset, vector, k = 5 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.ReadJsonAsync())["results"]!.AsArray();
    }
}

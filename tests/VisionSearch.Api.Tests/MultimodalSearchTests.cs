using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using VisionSearch.Embeddings;
using VisionSearch.Embeddings.Clip;
using VisionSearch.Testing;
using static VisionSearch.Api.Tests.ApiJson;

namespace VisionSearch.Api.Tests;

/// <summary>
/// A folder of images built with the local CLIP embedder (the clip-tiny fixture), searched by text, by an
/// uploaded image, by item id and by threshold through Kestrel. Expected answers come from the same model run in
/// the test and a brute-force scan: with 12 items and the default ef the walk is exhaustive, so the top-k is exact.
/// </summary>
public sealed class MultimodalSearchTests(ApiCluster cluster) : IClassFixture<ApiCluster>
{
    private const string Dataset = "photos";
    private const string Landscape = "sub/landscape_321x240.jpg";
    private const string Caption = "a wide landscape";
    private static readonly string Model = TestFiles.Fixture("clip-tiny");
    private static readonly string Images = TestFiles.Fixture("clip-tiny", "images");

    [Fact]
    public async Task Text_search_answers_the_exact_top_k_in_the_originals_shape_and_ours()
    {
        var items = await BuildAsync();
        using var embedder = OpenModel();
        var text = "a photo of a dog";
        var query = (await embedder.EmbedTextsAsync([text]))[0];
        var expected = Nearest(items, query).Take(5).ToList();

        var response = await cluster.Client.GetAsync($"/search?query={Uri.EscapeDataString(text)}&k=5&dataset={Dataset}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadJsonAsync();
        var results = body["results"]!.AsArray();
        Assert.Equal(expected.Select(e => e.Id), results.Select(r => (string)r!["id"]!));
        for (var i = 0; i < results.Count; i++)
        {
            var hit = results[i]!;
            Assert.Equal(expected[i].Score, (double)hit["score"]!, 4);
            Assert.Equal(expected[i].Id, (string)hit["image_path"]!); // the original's field
            Assert.Equal("image", (string)hit["kind"]!);
            Assert.Equal($"/datasets/{Dataset}/items/{Uri.EscapeDataString(expected[i].Id)}", (string)hit["url"]!);
            Assert.Equal((string)hit["url"]! + "/image", (string)hit["image_url"]!);
        }

        foreach (var hit in results.Where(r => (string)r!["id"]! == Landscape))
        {
            Assert.Equal(Caption, (string)hit!["text"]!);
        }

        // The original's call: q and no dataset (this cluster has one dataset) answer the same, the text's vector found in the embedding cache.
        var cache = await (await cluster.Client.GetAsync("/index/embedding-cache")).ReadJsonAsync();
        var original = await (await cluster.Client.GetAsync($"/search?q={Uri.EscapeDataString(text)}&k=5")).ReadJsonAsync();
        Assert.Equal(body.ToJsonString(), original.ToJsonString());
        var cacheAfter = await (await cluster.Client.GetAsync("/index/embedding-cache")).ReadJsonAsync();
        Assert.Equal(((long)cache["hits"]! + 1, (long)cache["misses"]!), ((long)cacheAfter["hits"]!, (long)cacheAfter["misses"]!));
        Assert.Equal((long)cache["entries"]! * ((items.Values.First().Length * sizeof(float)) + 128), (long)cacheAfter["bytes"]!);
        Assert.Equal(1L << 30, (long)cacheAfter["max_bytes"]!);
    }

    [Fact]
    public async Task A_sync_of_an_unchanged_folder_changes_nothing_and_says_so()
    {
        var items = await BuildAsync();
        var response = await cluster.Client.PostJsonAsync("/index/build", new { dataset = Dataset, mode = "sync" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal($"/index/status?dataset={Dataset}", response.Headers.Location!.OriginalString);

        var status = await cluster.Client.WaitUntilReadyAsync(Dataset);
        Assert.Equal(
            (0L, 0L, 0L, (long)items.Count, 0L),
            ((long)status["sync"]!["added"]!, (long)status["sync"]!["replaced"]!, (long)status["sync"]!["deleted"]!, (long)status["sync"]!["unchanged"]!, (long)status["items_embedded"]!));
        Assert.Equal(items.Count, (long)status["count"]!);
    }

    [Fact]
    public async Task An_uploaded_image_finds_itself_and_an_item_id_finds_its_neighbours_without_itself()
    {
        var items = await BuildAsync();
        var bytes = await File.ReadAllBytesAsync(Path.Combine(Images, "landscape_321x240.jpg"));

        var upload = await cluster.Client.PostAsync("/search", ImageForm(bytes, "landscape.jpg", ("dataset", Dataset), ("k", "3")));
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        var top = (await upload.ReadJsonAsync())["results"]!.AsArray();
        Assert.Equal(3, top.Count);
        Assert.Equal(Landscape, (string)top[0]!["id"]!);
        Assert.Equal(1.0, (double)top[0]!["score"]!, 4);
        Assert.Equal(Caption, (string)top[0]!["text"]!);

        var expected = Nearest(items, items[Landscape]).Where(e => e.Id != Landscape).Take(4).ToList();
        var similar = await cluster.Client.PostJsonAsync("/search", new { dataset = Dataset, item_id = Landscape, k = 4 });
        Assert.Equal(HttpStatusCode.OK, similar.StatusCode);
        var neighbours = (await similar.ReadJsonAsync())["results"]!.AsArray();
        Assert.Equal(expected.Select(e => e.Id), neighbours.Select(r => (string)r!["id"]!));

        // A threshold between the 2nd and 3rd neighbour keeps exactly two.
        var threshold = (expected[1].Score + expected[2].Score) / 2;
        var kept = await cluster.Client.PostJsonAsync("/search", new { dataset = Dataset, item_id = Landscape, k = 4, score_threshold = threshold });
        Assert.Equal(expected.Take(2).Select(e => e.Id), (await kept.ReadJsonAsync())["results"]!.AsArray().Select(r => (string)r!["id"]!));

        var unknown = await cluster.Client.PostJsonAsync("/search", new { dataset = Dataset, item_id = "nope.jpg" });
        await AssertProblemAsync(unknown, 404);
    }

    [Theory]
    [InlineData("sub/landscape_321x240.jpg", 64, 64, 48)]
    [InlineData("portrait_300x800.png", 100, 38, 100)]
    [InlineData("tiny_50x50.png", 200, 50, 50)] // never enlarged
    [InlineData("exif_orient6_320x240.jpg", 32, 24, 32)] // turned upright first, as the embedder sees it
    public async Task A_preview_keeps_the_aspect_within_the_size_and_is_cached_by_its_tag(string id, int size, int width, int height)
    {
        await BuildAsync();
        var url = $"/datasets/{Dataset}/items/{Uri.EscapeDataString(id)}/image?size={size}";

        var preview = await cluster.Client.GetAsync(url);

        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.Equal("image/jpeg", preview.Content.Headers.ContentType?.MediaType);
        using var decoded = SkiaSharp.SKBitmap.Decode(await preview.Content.ReadAsByteArrayAsync());
        Assert.Equal((width, height), (decoded.Width, decoded.Height));
        Assert.Equal((true, TimeSpan.FromSeconds(300)), (preview.Headers.CacheControl!.Private, preview.Headers.CacheControl.MaxAge));
        var tag = preview.Headers.ETag;
        Assert.NotNull(tag);
        using var again = new HttpRequestMessage(HttpMethod.Get, url);
        again.Headers.IfNoneMatch.Add(tag);
        Assert.Equal(HttpStatusCode.NotModified, (await cluster.Client.SendAsync(again)).StatusCode);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("2049")]
    [InlineData("big")]
    public async Task A_preview_size_out_of_range_is_422_naming_size(string size)
    {
        await BuildAsync();
        var errors = await AssertProblemAsync(await cluster.Client.GetAsync($"/datasets/{Dataset}/items/tiny_50x50.png/image?size={size}"), 422);
        Assert.Equal(["size"], errors.AsObject().Select(e => e.Key));
    }

    [Fact]
    public async Task Items_their_images_and_the_dataset_list_are_served()
    {
        await BuildAsync();
        var item = await cluster.Client.GetAsync($"/datasets/{Dataset}/items/{Uri.EscapeDataString(Landscape)}");
        Assert.Equal(HttpStatusCode.OK, item.StatusCode);
        var view = await item.ReadJsonAsync();
        Assert.Equal((Landscape, "image", Caption, Landscape), ((string)view["id"]!, (string)view["kind"]!, (string)view["text"]!, (string)view["image_path"]!));
        Assert.Null(view["score"]);

        var image = await cluster.Client.GetAsync((string)view["image_url"]!);
        Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        Assert.Equal("image/jpeg", image.Content.Headers.ContentType?.MediaType);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(Images, "landscape_321x240.jpg")), await image.Content.ReadAsByteArrayAsync());
        var png = await cluster.Client.GetAsync($"/datasets/{Dataset}/items/square_224x224.png/image");
        Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);

        await AssertProblemAsync(await cluster.Client.GetAsync($"/datasets/{Dataset}/items/nope.jpg"), 404);
        await AssertProblemAsync(await cluster.Client.GetAsync($"/datasets/{Dataset}/items/nope.jpg/image"), 404);
        await AssertProblemAsync(await cluster.Client.GetAsync("/datasets/never-built/items/x"), 404);
        await AssertProblemAsync(await cluster.Client.GetAsync("/datasets/never-built"), 404);

        var listed = (await (await cluster.Client.GetAsync("/datasets")).ReadJsonAsync()).AsArray();
        var photos = Assert.Single(listed, d => (string)d!["dataset"]! == Dataset)!;
        Assert.Equal("ready", (string)photos["status"]!);
        Assert.Equal(Directory.GetFiles(Images).Length, (long)photos["count"]!);
        Assert.Equal(photos.ToJsonString(), (await (await cluster.Client.GetAsync($"/datasets/{Dataset}")).ReadJsonAsync()).ToJsonString());
    }

    [Fact]
    public async Task Bad_uploads_get_their_4xx_and_change_nothing()
    {
        await BuildAsync();
        var before = (await (await cluster.Client.GetAsync($"/datasets/{Dataset}")).ReadJsonAsync()).ToJsonString();

        var notImage = await AssertProblemAsync(await cluster.Client.PostAsync("/search", ImageForm("plain text, not pixels"u8.ToArray(), "a.jpg", ("dataset", Dataset))), 422);
        Assert.Equal(["image"], notImage.AsObject().Select(e => e.Key));
        var empty = await AssertProblemAsync(await cluster.Client.PostAsync("/search", ImageForm([], "a.jpg", ("dataset", Dataset))), 422);
        Assert.Equal(["image"], empty.AsObject().Select(e => e.Key));
        var badK = await AssertProblemAsync(await cluster.Client.PostAsync("/search", ImageForm([1, 2, 3], "a.jpg", ("dataset", Dataset), ("k", "ten"))), 422);
        Assert.Equal(["k"], badK.AsObject().Select(e => e.Key));

        var wrongField = new MultipartFormDataContent { { new ByteArrayContent([1, 2, 3]), "picture", "a.jpg" }, { new StringContent(Dataset), "dataset" } };
        Assert.Equal(["image"], (await AssertProblemAsync(await cluster.Client.PostAsync("/search", wrongField), 422)).AsObject().Select(e => e.Key));

        // Over Api:MaxUploadBytes (10 MiB by default): refused before the body is read. The client says
        // Expect: 100-continue, as curl does for large uploads, so it hears the 413 instead of pushing 11 MiB into a closed socket.
        using var tooLarge = new HttpRequestMessage(HttpMethod.Post, "/search") { Content = ImageForm(new byte[11 * 1024 * 1024], "huge.jpg", ("dataset", Dataset)) };
        tooLarge.Headers.ExpectContinue = true;
        await AssertProblemAsync(await cluster.Client.SendAsync(tooLarge), 413);

        await AssertProblemAsync(await cluster.Client.PostAsync("/search", new StringContent("k=3", System.Text.Encoding.UTF8, "text/plain")), 415);

        var tooLong = await AssertProblemAsync(await cluster.Client.GetAsync($"/search?dataset={Dataset}&query={new string('a', 1001)}"), 422);
        Assert.Equal(["query"], tooLong.AsObject().Select(e => e.Key));
        var megabyte = await AssertProblemAsync(await cluster.Client.PostJsonAsync("/search", new { dataset = Dataset, text = new string('a', 1 << 20) }), 422);
        Assert.Equal(["text"], megabyte.AsObject().Select(e => e.Key));
        Assert.Equal(["query"], (await AssertProblemAsync(await cluster.Client.GetAsync($"/search?dataset={Dataset}"), 422)).AsObject().Select(e => e.Key));
        Assert.Equal(["k"], (await AssertProblemAsync(await cluster.Client.GetAsync($"/search?dataset={Dataset}&query=a&k=abc"), 422)).AsObject().Select(e => e.Key));
        Assert.Equal(["k"], (await AssertProblemAsync(await cluster.Client.GetAsync($"/search?dataset={Dataset}&query=a&k=5000"), 422)).AsObject().Select(e => e.Key));

        Assert.Equal(before, (await (await cluster.Client.GetAsync($"/datasets/{Dataset}")).ReadJsonAsync()).ToJsonString());
    }

    [Fact]
    public async Task One_trace_runs_from_the_request_through_the_grains_to_the_embedder()
    {
        await BuildAsync();
        var activities = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("VisionSearch", StringComparison.Ordinal)
                || source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal)
                || source.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (activities)
                {
                    activities.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        var response = await cluster.Client.GetAsync($"/search?dataset={Dataset}&query=mountains&k=2");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // Other test classes search in parallel, and the server's request span stops just after the response is
        // sent: find this request's trace by its grain span (this dataset, a text query), waiting for its root.
        Activity[] spans = [];
        var request = await Wait.ForAsync(
            () =>
            {
                lock (activities)
                {
                    spans = [.. activities];
                }

                var search = spans.FirstOrDefault(a => a.OperationName == "index.search"
                    && (string?)a.GetTagItem("visionsearch.dataset") == Dataset && (string?)a.GetTagItem("visionsearch.query") == "text");
                return Task.FromResult(search is null ? null : spans.FirstOrDefault(a => a.TraceId == search.TraceId && a.Source.Name == "Microsoft.AspNetCore"));
            },
            TimeSpan.FromSeconds(10),
            () => $"no request span with this search's grain span among {spans.Length} spans");
        Assert.Contains("/search", request.DisplayName, StringComparison.Ordinal);
        var trace = spans.Where(a => a.TraceId == request.TraceId).Select(a => a.OperationName).ToHashSet();
        Assert.Contains("index.search", trace);
        Assert.Contains("query.embed", trace);
        Assert.Contains("embed.text", trace);
        Assert.Contains("shard.search", trace);
    }

    /// <summary>Builds the dataset (the same request again is a no-op) and returns every image's vector by id.</summary>
    private async Task<Dictionary<string, float[]>> BuildAsync()
    {
        var folder = cluster.Data.File("photos");
        if (!Directory.Exists(folder))
        {
            Directory.CreateDirectory(Path.Combine(folder, "sub"));
            foreach (var file in Directory.GetFiles(Images))
            {
                var name = Path.GetFileName(file);
                File.Copy(file, name == Path.GetFileName(Landscape) ? Path.Combine(folder, Landscape) : Path.Combine(folder, name));
            }

            await File.WriteAllTextAsync(Path.Combine(folder, "sub", "landscape_321x240.txt"), Caption);
        }

        var build = await cluster.Client.PostJsonAsync("/index/build", new { dataset = Dataset, source = "folder", location = folder, model = Model });
        Assert.Equal(HttpStatusCode.Accepted, build.StatusCode);
        await cluster.Client.WaitUntilReadyAsync(Dataset);

        using var embedder = OpenModel();
        var ids = Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".txt", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/')).ToList();
        var vectors = await embedder.EmbedImagesAsync([.. ids.Select(id => new ReadOnlyMemory<byte>(File.ReadAllBytes(Path.Combine(folder, id))))]);
        return ids.Zip(vectors).ToDictionary(p => p.First, p => p.Second);
    }

    private static ClipEmbedder OpenModel() => ClipEmbedder.Open(new ClipModelFolder(Model), new ClipOptions());

    private static IEnumerable<(string Id, double Score)> Nearest(Dictionary<string, float[]> items, float[] query) =>
        items.Select(i => (i.Key, TestVectors.Cosine(i.Value, query))).OrderByDescending(p => p.Item2).ThenBy(p => p.Key, StringComparer.Ordinal);

    private static MultipartFormDataContent ImageForm(byte[] image, string fileName, params (string Name, string Value)[] fields)
    {
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var form = new MultipartFormDataContent { { file, "image", fileName } };
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value, System.Text.Encoding.UTF8), name);
        }

        return form;
    }
}

using System.Net;
using System.Text.Json.Nodes;
using VisionSearch.Embeddings;
using VisionSearch.Embeddings.Clip;
using VisionSearch.Testing;

namespace VisionSearch.Api.Tests;

/// <summary>
/// One process (<c>Silo:ServeApi</c>, the AppHost's <c>--single-process</c>): the silo answers the API's requests itself,
/// with the API's documents and problem details, embeds in the same process, and keeps its dashboard beside them.
/// <see cref="BuildAndSearchInOneProcessTests"/> runs the build-and-search tests (a restart included) this way too.
/// </summary>
public sealed class OneProcessTests(OneProcessApiCluster cluster) : IClassFixture<OneProcessApiCluster>
{
    private static readonly string Model = TestFiles.Fixture("clip-tiny");

    [Fact]
    public async Task The_silo_serves_the_api_documents_and_health_beside_its_dashboard()
    {
        var document = JsonNode.Parse(await cluster.Client.GetStringAsync("/openapi/v1.json"))!;
        Assert.NotNull(document["paths"]!["/search"]);
        Assert.NotNull(document["paths"]!["/index/build"]);
        Assert.Equal("Healthy", await cluster.Client.GetStringAsync("/health"));
        Assert.Equal(HttpStatusCode.OK, (await cluster.Client.GetAsync("/dashboard")).StatusCode);
    }

    [Fact]
    public async Task Bad_input_is_the_apis_422_naming_the_field()
    {
        var response = await cluster.Client.PostRawAsync("/search", """{"dataset":"a b","vector":[1,0,0,0]}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["dataset"], (await response.ReadJsonAsync())["errors"]!.AsObject().Select(e => e.Key));
    }

    [Fact]
    public async Task A_folder_of_images_embeds_in_the_same_process_and_a_text_search_finds_the_exact_top_k()
    {
        var folder = cluster.Data.File("photos");
        TestFiles.CopyFixtureImages(folder);

        var build = await cluster.Client.PostJsonAsync("/index/build", new { dataset = "photos", source = "folder", location = folder, model = Model });
        Assert.Equal(HttpStatusCode.Accepted, build.StatusCode);
        var status = await cluster.Client.WaitUntilReadyAsync("photos");
        var ids = Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(ids.Count, (long)status["count"]!);

        using var embedder = ClipEmbedder.Open(new ClipModelFolder(Model), new ClipOptions());
        var vectors = await embedder.EmbedImagesAsync([.. ids.Select(id => new ReadOnlyMemory<byte>(File.ReadAllBytes(Path.Combine(folder, id!))))]);
        const string Text = "a photo of a dog";
        var query = (await embedder.EmbedTextsAsync([Text]))[0];
        var expected = ids.Zip(vectors).OrderByDescending(p => TestVectors.Cosine(p.Second, query)).Select(p => p.First).Take(3);

        var results = (await (await cluster.Client.GetAsync($"/search?query={Uri.EscapeDataString(Text)}&k=3&dataset=photos")).ReadJsonAsync())["results"]!.AsArray();
        Assert.Equal(expected, results.Select(r => (string?)r!["id"]));
    }
}

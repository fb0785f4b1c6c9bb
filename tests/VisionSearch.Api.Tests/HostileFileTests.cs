using System.Net;
using VisionSearch.Testing;
using static VisionSearch.Api.Tests.ApiJson;

namespace VisionSearch.Api.Tests;

/// <summary>
/// Files that claim more than may be held, built through the API: a lying file is a 422 naming <c>location</c>,
/// a lying item is a skipped item with its reason, and the silo serves on.
/// </summary>
public sealed class HostileFileTests(ApiCluster cluster) : IClassFixture<ApiCluster>
{
    [Fact]
    public async Task Bombs_in_a_folder_are_skipped_items_and_the_rest_is_indexed()
    {
        var folder = Directory.CreateDirectory(cluster.Data.File("bombs")).FullName;
        File.Copy(TestFiles.Fixture("clip-tiny", "images", "square_224x224.png"), Path.Combine(folder, "good.png"));
        await File.WriteAllBytesAsync(Path.Combine(folder, "png-bomb.png"), HostileFiles.PngBomb(20_000, 20_000));
        await File.WriteAllBytesAsync(Path.Combine(folder, "jpeg-65535.jpg"), HostileFiles.JpegClaiming(65_535, 65_535));

        Assert.Equal(HttpStatusCode.Accepted, (await cluster.Client.PostJsonAsync("/index/build", new
        {
            dataset = "bombs", source = "folder", location = folder, model = TestFiles.Fixture("clip-tiny"),
        })).StatusCode);
        var status = await cluster.Client.WaitUntilReadyAsync("bombs");

        Assert.Equal((1L, 2L), ((long)status["count"]!, (long)status["items_skipped"]!));
        var skips = status["skips"]!.AsArray().ToDictionary(s => (string)s!["id"]!, s => (string)s!["reason"]!);
        Assert.Contains("cannot be scaled while decoding; at most 64,000,000 pixels", skips["png-bomb.png"], StringComparison.Ordinal);
        Assert.Contains("Not a decodable image", skips["jpeg-65535.jpg"], StringComparison.Ordinal); // libjpeg's limit is 65,500
        var results = (await (await cluster.Client.GetAsync("/search?dataset=bombs&query=anything&k=5")).ReadJsonAsync())["results"]!.AsArray();
        Assert.Equal(["good.png"], results.Select(r => (string)r!["id"]!)); // the silo that met the bombs serves on
    }

    [Fact]
    public async Task Files_that_lie_about_their_size_are_422_naming_location_and_create_nothing()
    {
        var parquet = cluster.Data.File("trillion.parquet");
        HostileFiles.ParquetClaiming(parquet, rows: 1_000_000_000_000, uncompressedBytes: 64, storedBytes: 64);
        var huge = cluster.Data.File("huge-group.parquet");
        HostileFiles.ParquetClaiming(huge, rows: 10, uncompressedBytes: 4L << 30, storedBytes: 64);
        var npy = cluster.Data.File("trillion.npy");
        HostileFiles.NpyClaiming(npy, "1000000000000", 512);
        var fvecs = cluster.Data.File("cut.fvecs");
        TestVectors.WriteFvecs(fvecs, TestVectors.Clustered(10, 8, seed: 1));
        File.WriteAllBytes(fvecs, File.ReadAllBytes(fvecs)[..^5]);

        foreach (var (dataset, source, location, reason) in new[]
        {
            ("lie-parquet", "parquet", parquet, "claims 1,000,000,000,000 rows"),
            ("lie-group", "parquet", huge, "claims 4,294,967,296 bytes"),
            ("lie-npy", "vectors", npy, "truncated"),
            ("lie-fvecs", "vectors", fvecs, "truncated"),
        })
        {
            var errors = await AssertProblemAsync(await cluster.Client.PostJsonAsync("/index/build", new { dataset, source, location, model = TestFiles.Fixture("clip-tiny") }), 422);
            Assert.Contains(reason, (string)errors["location"]![0]!, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, (await cluster.Client.GetAsync($"/index/status?dataset={dataset}")).StatusCode);
        }
    }

    [Fact]
    public async Task A_deeply_nested_jsonl_line_is_one_skipped_item()
    {
        var path = cluster.Data.File("deep.jsonl");
        await File.WriteAllLinesAsync(path, ["{\"text\": \"a cat\"}", HostileFiles.DeepJsonLine(100_000), "{\"text\": \"a dog\"}"]);

        Assert.Equal(HttpStatusCode.Accepted, (await cluster.Client.PostJsonAsync("/index/build", new
        {
            dataset = "deep", source = "text", location = path, model = TestFiles.Fixture("clip-tiny"),
        })).StatusCode);
        var status = await cluster.Client.WaitUntilReadyAsync("deep");

        Assert.Equal((2L, 1L), ((long)status["count"]!, (long)status["items_skipped"]!));
        Assert.Contains("line 2 is not a JSON object", (string)status["skips"]![0]!["reason"]!, StringComparison.Ordinal);
    }
}

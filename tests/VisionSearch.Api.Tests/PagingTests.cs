using System.Net;
using System.Text.Json.Nodes;
using VisionSearch.Testing;
using static VisionSearch.Api.Tests.ApiJson;

namespace VisionSearch.Api.Tests;

/// <summary>Pages of a search: with one ef they concatenate to the one-page answer, each says where the next starts, the last says none.</summary>
public sealed class PagingTests(ApiCluster cluster) : IClassFixture<ApiCluster>
{
    [Fact]
    public async Task Pages_concatenate_to_the_unpaged_top_k_and_name_the_next_offset()
    {
        var rows = TestVectors.Clustered(500, 16, seed: 71);
        var path = cluster.Data.File("paged.fvecs");
        TestVectors.WriteFvecs(path, rows);
        Assert.Equal(HttpStatusCode.Accepted, (await cluster.Client.PostJsonAsync("/index/build", new { dataset = "paged", location = path, shards = 3 })).StatusCode);
        await cluster.Client.WaitUntilReadyAsync("paged");

        foreach (var query in TestVectors.Clustered(5, 16, seed: 72))
        {
            var whole = await SearchAsync(new { dataset = "paged", vector = query, k = 50, ef = 200 });
            Assert.Equal(50, (int)whole["next_offset"]!);
            var pages = new List<string>();
            int? offset = 0;
            while (offset is { } from && from < 50)
            {
                var page = await SearchAsync(new { dataset = "paged", vector = query, k = 10, ef = 200, offset = from });
                pages.AddRange(page["results"]!.AsArray().Select(r => (string)r!["id"]!));
                offset = (int?)page["next_offset"];
                Assert.Equal(from + 10, offset);
            }

            Assert.Equal(whole["results"]!.AsArray().Select(r => (string)r!["id"]!), pages);
        }

        var last = await SearchAsync(new { dataset = "paged", vector = rows[0], k = 10, ef = 600, offset = 495 });
        Assert.Equal(5, last["results"]!.AsArray().Count);
        Assert.Null(last["next_offset"]);

        Assert.NotNull((await AssertProblemAsync(await cluster.Client.PostJsonAsync("/search", new { dataset = "paged", vector = rows[0], offset = -1 }), 422))["offset"]);
        Assert.NotNull((await AssertProblemAsync(await cluster.Client.PostJsonAsync("/search", new { dataset = "paged", vector = rows[0], k = 1000, offset = 9001 }), 422))["offset"]);
    }

    private async Task<JsonNode> SearchAsync(object body)
    {
        var response = await cluster.Client.PostJsonAsync("/search", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadJsonAsync();
    }
}

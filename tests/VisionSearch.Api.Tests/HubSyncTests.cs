using System.Net;
using VisionSearch.Testing;

namespace VisionSearch.Api.Tests;

/// <summary>Syncs of a Hub dataset: the commit of its Parquet conversion says whether anything is to be read.</summary>
public sealed class HubSyncTests(HubCluster cluster) : IClassFixture<HubCluster>
{
    private const string Shard = "default/train/0000.parquet";

    [Fact]
    public async Task A_sync_reads_the_Hub_dataset_only_when_its_Parquet_commit_moved()
    {
        var build = await cluster.Client.PostRawAsync("/index/build", $$"""{"dataset": "pets", "source": "hub", "location": "{{HubCluster.Repo}}", "column": "image"}""");
        Assert.Equal(HttpStatusCode.Accepted, build.StatusCode);
        await cluster.Client.WaitUntilReadyAsync("pets");

        // New captions under the same commit: taken on the commit's word, the file is not read and the captions stay.
        cluster.Hub.ReplaceKeepingCommit(Shard, await ParquetAsync("animal"));
        var same = await SyncAsync();
        Assert.Equal(("""{"added":0,"replaced":0,"deleted":0,"unchanged":12}""", 0L), (same["sync"]!.ToJsonString(), (long)same["items_embedded"]!));
        Assert.Equal("pet cmyk_300x300", await TextOfRowAsync("0"));

        // A new commit: every row compared, and the 12 new captions replace the items.
        cluster.Hub.Replace(Shard, await ParquetAsync("a photo of"));
        var moved = await SyncAsync();
        Assert.Equal("""{"added":0,"replaced":12,"deleted":0,"unchanged":0}""", moved["sync"]!.ToJsonString());
        Assert.Equal("a photo of cmyk_300x300", await TextOfRowAsync("0"));
    }

    private async Task<System.Text.Json.Nodes.JsonNode> SyncAsync()
    {
        var sync = await cluster.Client.PostRawAsync("/index/build", """{"dataset": "pets", "mode": "sync"}""");
        Assert.Equal(HttpStatusCode.Accepted, sync.StatusCode);
        return await cluster.Client.WaitUntilReadyAsync("pets");
    }

    private async Task<string?> TextOfRowAsync(string id) =>
        (string?)(await (await cluster.Client.GetAsync($"/datasets/pets/items/{id}")).ReadJsonAsync())["text"];

    private static async Task<byte[]> ParquetAsync(string prefix)
    {
        using var folder = new TempDirectory();
        await HubCluster.WriteShardAsync(folder.File("shard.parquet"), prefix);
        return await File.ReadAllBytesAsync(folder.File("shard.parquet"));
    }
}

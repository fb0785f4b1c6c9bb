using VisionSearch.Contracts;
using VisionSearch.Embeddings;
using VisionSearch.Testing;

namespace VisionSearch.Silo.Tests;

/// <summary>
/// A sync of a folder build with its folder, on a silo with the local clip-tiny model: exactly the changes the folder
/// had, the same answers as a fresh build, nothing embedded when nothing changed, and the API's writes left as they are.
/// </summary>
public sealed class SyncTests : IAsyncLifetime
{
    private readonly RedisServerFixture _redis = new();
    private readonly TempDirectory _data = new();
    private LocalSilos _silos = null!;
    private string _folder = null!;

    public async ValueTask InitializeAsync()
    {
        await _redis.InitializeAsync();
        _silos = await LocalSilos.StartAsync(_redis.ConnectionString, $"test-{Guid.NewGuid():N}", new Dictionary<string, string?> { ["Ingestion:BatchSize"] = "4" }, count: 1);
        _folder = _data.File("photos");
        TestFiles.CopyFixtureImages(_folder);
    }

    public async ValueTask DisposeAsync()
    {
        await _silos.DisposeAsync();
        await _redis.DisposeAsync();
        _data.Dispose();
    }

    private BuildSpec Spec => new(SourceKinds.Folder, _folder, null, IndexDefaults.Metric, Model: TestFiles.Fixture("clip-tiny"), Embedder: EmbedderKinds.Local);

    [Fact]
    public async Task A_sync_after_adding_3_changing_2_and_deleting_1_file_makes_exactly_those_changes_and_answers_as_a_fresh_build()
    {
        await Builds.StartAsync(_silos.Grains, "photos", Spec);
        var built = await Builds.WaitReadyAsync(_silos.Grains, "photos", TimeSpan.FromMinutes(2));
        Assert.Equal(12, built.Count);

        File.Copy(Path.Combine(_folder, "tiny_50x50.png"), Path.Combine(_folder, "added-1.png"));
        File.Copy(Path.Combine(_folder, "gray_257x193.png"), Path.Combine(_folder, "added-2.png"));
        Directory.CreateDirectory(Path.Combine(_folder, "sub"));
        File.Copy(Path.Combine(_folder, "rgba_256x320.png"), Path.Combine(_folder, "sub", "added-3.png"));
        File.Copy(Path.Combine(_folder, "wide_1000x100.png"), Path.Combine(_folder, "square_224x224.png"), overwrite: true); // same name, other image
        File.Copy(Path.Combine(_folder, "cmyk_300x300.jpg"), Path.Combine(_folder, "landscape_321x240.jpg"), overwrite: true);
        File.Delete(Path.Combine(_folder, "palette_200x150.gif"));

        var synced = await SyncAsync("photos");
        Assert.Equal(new SyncCounts(Added: 3, Replaced: 2, Deleted: 1, Unchanged: 9), synced.Sync);
        Assert.Equal((14L, 0L, built.SnapshotVersion), (synced.Count, synced.ItemsSkipped, synced.SnapshotVersion)); // in place: the same build version
        Assert.Null(await _silos.Grains.GetGrain<IDatasetIndexGrain>("photos").GetItemAsync("palette_200x150.gif"));
        Assert.Equal("sub/added-3.png", (await _silos.Grains.GetGrain<IDatasetIndexGrain>("photos").GetItemAsync("sub/added-3.png"))!.Id);

        await Builds.StartAsync(_silos.Grains, "fresh", Spec);
        await Builds.WaitReadyAsync(_silos.Grains, "fresh", TimeSpan.FromMinutes(2));
        foreach (var text in new[] { "a photo of a cat", "a wide landscape", "something gray" })
        {
            var query = new SearchQuery(14, 64, Text: text);
            var expected = await _silos.Grains.GetGrain<IDatasetIndexGrain>("fresh").SearchAsync(query);
            var actual = await _silos.Grains.GetGrain<IDatasetIndexGrain>("photos").SearchAsync(query);
            Assert.Equal(14, expected.Hits.Length);
            Assert.Equal(Ranked(expected), Ranked(actual)); // the copies tie with their originals: ties in id order
        }

        var again = await SyncAsync("photos");
        Assert.Equal((new SyncCounts(Unchanged: 14), 0L), (again.Sync, again.ItemsEmbedded));
    }

    [Fact]
    public async Task A_sync_reads_only_the_files_whose_size_time_or_sidecars_moved()
    {
        var index = _silos.Grains.GetGrain<IDatasetIndexGrain>("photos");
        var caption = Path.Combine(_folder, "square_224x224.txt");
        File.WriteAllText(caption, "a red square");
        await Builds.StartAsync(_silos.Grains, "photos", Spec);
        await Builds.WaitReadyAsync(_silos.Grains, "photos", TimeSpan.FromMinutes(2));

        // A caption of the same length under the same time is not read: the item keeps the text it had.
        var captionTime = File.GetLastWriteTimeUtc(caption);
        File.WriteAllText(caption, "a big circle");
        File.SetLastWriteTimeUtc(caption, captionTime);
        Assert.Equal((new SyncCounts(Unchanged: 12), 0L), await SyncCountsAsync());
        Assert.Equal("a red square", (await index.GetItemAsync("square_224x224.png"))!.Text);

        // Its new time has it read, and the new text replaces the item.
        File.SetLastWriteTimeUtc(caption, captionTime.AddMinutes(1));
        Assert.Equal((new SyncCounts(Replaced: 1, Unchanged: 11), 1L), await SyncCountsAsync());
        Assert.Equal("a big circle", (await index.GetItemAsync("square_224x224.png"))!.Text);

        // An image touched, not changed, is read once and left alone; its record takes the new stamp, so the next sync does
        // not read it: bytes that would not decode, put there under that stamp, go unseen.
        var image = Path.Combine(_folder, "landscape_321x240.jpg");
        var touched = File.GetLastWriteTimeUtc(image).AddMinutes(1);
        File.SetLastWriteTimeUtc(image, touched);
        Assert.Equal((new SyncCounts(Unchanged: 12), 0L), await SyncCountsAsync());
        File.WriteAllBytes(image, [.. File.ReadAllBytes(image).Reverse()]);
        File.SetLastWriteTimeUtc(image, touched);
        var synced = await SyncAsync("photos");
        Assert.Equal((new SyncCounts(Unchanged: 12), 0L, 0L), (synced.Sync, synced.ItemsEmbedded, synced.ItemsSkipped));

        // Compared by content, every file is read: those bytes are found, fail to decode, and the item keeps its image.
        var compared = await SyncAsync("photos", SyncCompare.Content);
        Assert.Equal((new SyncCounts(Unchanged: 11), 1L), (compared.Sync, compared.ItemsSkipped));
        Assert.Equal("landscape_321x240.jpg", Assert.Single(compared.Skips!).Id);
    }

    [Fact]
    public async Task A_sync_of_a_file_with_the_size_and_time_the_last_run_read_compares_nothing()
    {
        var index = _silos.Grains.GetGrain<IDatasetIndexGrain>("texts");
        var file = _data.File("captions.txt");
        File.WriteAllLines(file, ["a red square", "a blue circle", "", "a green line"]);
        var spec = new BuildSpec(SourceKinds.Text, file, null, IndexDefaults.Metric, Model: TestFiles.Fixture("clip-tiny"), Embedder: EmbedderKinds.Local);
        await Builds.StartAsync(_silos.Grains, "texts", spec);
        await Builds.WaitReadyAsync(_silos.Grains, "texts", TimeSpan.FromMinutes(2));

        // Another line of the same length under the same time: the file is taken as the build read it, its blank line
        // still skipped.
        var time = File.GetLastWriteTimeUtc(file);
        File.WriteAllLines(file, ["a big circle", "a blue circle", "", "a green line"]);
        File.SetLastWriteTimeUtc(file, time);
        var same = await SyncAsync("texts");
        Assert.Equal((new SyncCounts(Unchanged: 3), 0L, 1L), (same.Sync, same.ItemsEmbedded, same.ItemsSkipped));
        Assert.Equal("a red square", (await index.GetItemAsync("0"))!.Text);

        // Compared by content, as after a restore that kept sizes and times: every line is read, the changed one replaced.
        var compared = await SyncAsync("texts", SyncCompare.Content);
        Assert.Equal((new SyncCounts(Replaced: 1, Unchanged: 2), 1L), (compared.Sync, compared.ItemsEmbedded));
        Assert.Equal("a big circle", (await index.GetItemAsync("0"))!.Text);

        // The file as that sync read it: nothing to compare again. Written anew, it is compared line by line.
        var again = await SyncAsync("texts");
        Assert.Equal((new SyncCounts(Unchanged: 3), 0L, 1L), (again.Sync, again.ItemsEmbedded, again.ItemsSkipped));
        File.WriteAllLines(file, ["a big circle", "a blue circle", "", "a green lime"]);
        var moved = await SyncAsync("texts");
        Assert.Equal((new SyncCounts(Replaced: 1, Unchanged: 2), 1L), (moved.Sync, moved.ItemsEmbedded));
    }

    [Fact]
    public async Task What_the_API_wrote_or_deleted_stays_as_the_API_left_it()
    {
        var index = _silos.Grains.GetGrain<IDatasetIndexGrain>("photos");
        await Builds.StartAsync(_silos.Grains, "photos", Spec);
        await Builds.WaitReadyAsync(_silos.Grains, "photos", TimeSpan.FromMinutes(2));
        Assert.Equal(WriteOutcome.Ok, (await index.WriteItemsAsync([new ItemWrite("note", Text: "a handwritten note")])).Outcome);
        Assert.Equal(ItemOutcome.Deleted, (await index.DeleteItemsAsync(["tiny_50x50.png"])).Items[0].Outcome);

        var synced = await SyncAsync("photos");

        Assert.Equal(new SyncCounts(Unchanged: 12), synced.Sync); // the deleted file is still in the folder: the API's delete wins
        Assert.Null(await index.GetItemAsync("tiny_50x50.png"));
        Assert.Equal("a handwritten note", (await index.GetItemAsync("note"))!.Text);
        Assert.Equal(12, synced.Count);
    }

    [Fact]
    public async Task Only_a_dataset_built_from_a_source_syncs()
    {
        var never = await _silos.Grains.GetGrain<IDatasetIndexGrain>("never").SyncAsync();
        Assert.Equal((BuildOutcome.Invalid, "dataset"), (never.Outcome, never.Field));

        var created = _silos.Grains.GetGrain<IDatasetIndexGrain>("created");
        Assert.Equal(BuildOutcome.Started, (await created.CreateAsync(new BuildSpec(SourceKinds.Api, "", null, IndexDefaults.Metric), 4)).Outcome);
        var fromApi = await created.SyncAsync();
        Assert.Equal((BuildOutcome.Invalid, "mode"), (fromApi.Outcome, fromApi.Field));
    }

    private static IEnumerable<(string Id, float Score)> Ranked(SearchResult result) =>
        result.Hits.Select(h => (h.Id, h.Score)).OrderByDescending(h => h.Score).ThenBy(h => h.Id, StringComparer.Ordinal);

    private async Task<(SyncCounts?, long)> SyncCountsAsync()
    {
        var status = await SyncAsync("photos");
        return (status.Sync, status.ItemsEmbedded);
    }

    private async Task<IndexStatus> SyncAsync(string dataset, SyncCompare compare = SyncCompare.Stamps)
    {
        var result = await _silos.Grains.GetGrain<IDatasetIndexGrain>(dataset).SyncAsync(compare);
        Assert.True(result.Outcome == BuildOutcome.Started, $"{result.Outcome}: {result.Field} {result.Message}");
        var status = await Builds.WaitReadyAsync(_silos.Grains, dataset, TimeSpan.FromMinutes(2));
        Assert.Null(status.Error);
        return status;
    }
}

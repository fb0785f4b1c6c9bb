using VisionSearch.Contracts;
using VisionSearch.Embeddings;
using VisionSearch.Testing;

namespace VisionSearch.Silo.Tests;

/// <summary>With Datasets:Watch, a folder dataset syncs on its own after its build, and again once its folder has been quiet after a change.</summary>
public sealed class FolderWatchTests : IAsyncLifetime
{
    private readonly RedisServerFixture _redis = new();
    private readonly TempDirectory _data = new();
    private LocalSilos _silos = null!;

    public async ValueTask InitializeAsync()
    {
        await _redis.InitializeAsync();
        _silos = await LocalSilos.StartAsync(_redis.ConnectionString, $"test-{Guid.NewGuid():N}", new Dictionary<string, string?>
        {
            ["Datasets:Watch"] = "true",
            ["Datasets:WatchQuietPeriod"] = "00:00:00.500",
        }, count: 1);
    }

    public async ValueTask DisposeAsync()
    {
        await _silos.DisposeAsync();
        await _redis.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task Files_added_and_deleted_in_a_watched_folder_are_synced_once_it_is_quiet()
    {
        var images = TestFiles.Fixture("clip-tiny", "images");
        var folder = Directory.CreateDirectory(_data.File("watched")).FullName;
        foreach (var file in Directory.GetFiles(images).Take(6))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        var spec = new BuildSpec(SourceKinds.Folder, folder, null, IndexDefaults.Metric, Model: TestFiles.Fixture("clip-tiny"), Embedder: EmbedderKinds.Local);
        await Builds.StartAsync(_silos.Grains, "watched", spec);
        await Builds.WaitReadyAsync(_silos.Grains, "watched", TimeSpan.FromMinutes(2));
        var index = _silos.Grains.GetGrain<IDatasetIndexGrain>("watched");
        IndexStatus? status = null;

        // A new watch starts with a sync (what changed before it began): here, nothing.
        await Wait.ForAsync(
            async () => (status = await index.GetStatusAsync()) is { Status: IndexPhase.Ready, Sync: not null } ? status : null,
            TimeSpan.FromSeconds(30),
            () => $"no sync followed the build: {status}");
        Assert.Equal(new SyncCounts(Unchanged: 6), status!.Sync);

        var added = Directory.GetFiles(images).Skip(6).Take(2).ToArray();
        foreach (var file in added)
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        File.Delete(Directory.GetFiles(folder).Order(StringComparer.Ordinal).First());

        await Wait.ForAsync(
            async () => (status = await index.GetStatusAsync()) is { Status: IndexPhase.Ready, Sync: { Added: 2, Deleted: 1 } } ? status : null,
            TimeSpan.FromSeconds(60),
            () => $"the folder's changes were not synced: {status}");
        Assert.Equal((new SyncCounts(Added: 2, Deleted: 1, Unchanged: 5), 7L), (status!.Sync, status.Count));
    }
}

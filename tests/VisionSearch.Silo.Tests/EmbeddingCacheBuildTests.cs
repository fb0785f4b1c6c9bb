using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using VisionSearch.Contracts;
using VisionSearch.Embeddings;
using VisionSearch.Embeddings.Clip;
using VisionSearch.Testing;

namespace VisionSearch.Silo.Tests;

/// <summary>
/// Builds through the shared embedding cache on a silo with the local clip-tiny model, embeddings counted where they
/// happen: the model's item counter on the silo's meter. (A SageMaker endpoint's builds: SageMakerBuildTests.)
/// </summary>
public sealed class EmbeddingCacheBuildTests : IAsyncLifetime
{
    private readonly RedisServerFixture _redis = new();
    private readonly TempDirectory _data = new();
    private readonly Dictionary<string, long> _localItems = [];
    private LocalSilos _silos = null!;
    private MeterListener _listener = null!;
    private string _folder = null!;
    private int _images;

    public async ValueTask InitializeAsync()
    {
        await _redis.InitializeAsync();
        _silos = await LocalSilos.StartAsync(_redis.ConnectionString, $"test-{Guid.NewGuid():N}", new Dictionary<string, string?> { ["Ingestion:BatchSize"] = "4" }, count: 1);
        _listener = CountLocalItems(_silos.Silos[0].Services.GetRequiredService<IMeterFactory>());

        _folder = _data.File("photos");
        _images = TestFiles.CopyFixtureImages(_folder).Length;
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        await _silos.DisposeAsync();
        await _redis.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task A_rebuild_with_another_m_embeds_nothing_and_gives_the_same_vectors_while_a_changed_model_embeds_everything_again()
    {
        var model = TestFiles.Fixture("clip-tiny");
        var spec = new BuildSpec(SourceKinds.Folder, _folder, null, IndexDefaults.Metric, Model: model, Embedder: EmbedderKinds.Local);
        var first = await Builds.RunAsync(_silos.Grains, "first", spec);
        Assert.Equal((_images, (long)_images, 0L), (LocalItems("image"), first.ItemsEmbedded, first.ItemsCached));

        var again = await Builds.RunAsync(_silos.Grains, "again", spec with { M = 8 });
        Assert.Equal((_images, (long)_images, (long)_images), (LocalItems("image"), again.ItemsEmbedded, again.ItemsCached));
        await Builds.AssertSameAnswersAsync(_silos.Grains, "first", "again", _images);
        Assert.Equal(1, LocalItems("text")); // the same query text twice: embedded for the first search only

        // A copy of the model with one byte changed (a space in its preprocessor settings) is another model.
        var changed = Directory.CreateDirectory(_data.File("changed-model")).FullName;
        foreach (var file in ClipModelFolder.RequiredFiles)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(changed, file))!);
            File.Copy(Path.Combine(model, file), Path.Combine(changed, file));
        }

        await File.AppendAllTextAsync(Path.Combine(changed, "preprocessor_config.json"), " ");
        var other = await Builds.RunAsync(_silos.Grains, "other-model", spec with { Model = changed });
        Assert.Equal((2L * _images, 0L), (LocalItems("image"), other.ItemsCached));

        var cache = await _silos.Grains.GetGrain<IEmbeddingCacheGrain>(0).StatusAsync();
        Assert.Equal((2L * _images) + 1, cache.Entries); // both models' images, and the query text once
        Assert.Equal(cache.Entries * ((first.Dimension * sizeof(float)) + Persistence.RedisEmbeddingCache.EntryOverhead), cache.Bytes);
    }

    private long LocalItems(string kind)
    {
        lock (_localItems)
        {
            return _localItems.GetValueOrDefault(kind);
        }
    }

    private MeterListener CountLocalItems(IMeterFactory silo)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == silo && instrument.Meter.Name == EmbeddingInstruments.Name && instrument.Name == "visionsearch.embedding.items")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var kind = (string)tags.ToArray().Single(t => t.Key == "visionsearch.kind").Value!;
            lock (_localItems)
            {
                _localItems[kind] = _localItems.GetValueOrDefault(kind) + value;
            }
        });
        listener.Start();
        return listener;
    }
}

using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection;
using VisionSearch.Aws;
using VisionSearch.Contracts;
using VisionSearch.Embeddings;
using VisionSearch.Embeddings.Clip;
using VisionSearch.Testing;

namespace VisionSearch.Silo.Tests;

/// <summary>
/// Builds through the shared embedding cache, on a silo with the local clip-tiny model and a loopback SageMaker (runtime
/// and control plane, signatures checked). Embedder calls are counted where they happen: the local model's item counter
/// on the silo's meter, the items each InvokeEndpoint carried.
/// </summary>
[Collection(nameof(AwsEnvironmentCollection))]
public sealed class EmbeddingCacheBuildTests : IAsyncLifetime
{
    private readonly RedisServerFixture _redis = new();
    private readonly TempDirectory _data = new();
    private readonly EnvironmentScope _environment = new();
    private readonly ClipEmbedder _model = ClipEmbedder.Open(new ClipModelFolder(TestFiles.Fixture("clip-tiny")), new ClipOptions());
    private readonly HttpClient _http = new();
    private readonly Dictionary<string, long> _localItems = [];
    private SageMakerStandIn _runtime = null!;
    private SageMakerControlPlaneStandIn _controlPlane = null!;
    private SageMakerApi _sageMaker = null!;
    private SiloHost _silo = null!;
    private ClusterClient _client = null!;
    private MeterListener _listener = null!;
    private string _folder = null!;
    private int _images;

    public async ValueTask InitializeAsync()
    {
        _environment.Set("AWS_ACCESS_KEY_ID", SageMakerStandIn.AccessKey).Set("AWS_SECRET_ACCESS_KEY", SageMakerStandIn.SecretKey).Set("AWS_SESSION_TOKEN", SageMakerStandIn.SessionToken);
        await _redis.InitializeAsync();
        _runtime = await SageMakerStandIn.StartAsync(_model);
        _controlPlane = await SageMakerControlPlaneStandIn.StartAsync(SageMakerStandIn.AccessKey, SageMakerStandIn.SecretKey, SageMakerStandIn.Region, SageMakerStandIn.SessionToken);
        _controlPlane.ChecksToInService = 1;
        _sageMaker = new SageMakerApi(
            _http,
            new AwsRequestSigner(new SessionAWSCredentials(SageMakerStandIn.AccessKey, SageMakerStandIn.SecretKey, SageMakerStandIn.SessionToken), SageMakerStandIn.Region, "sagemaker"),
            _controlPlane.ServiceUrl);
        await DeployAsync("clip-a", update: false);

        var clusterId = $"test-{Guid.NewGuid():N}";
        _silo = new SiloHost(_redis.ConnectionString, clusterId, new Dictionary<string, string?>
        {
            ["Ingestion:BatchSize"] = "4",
            ["Embeddings:SageMaker:ServiceUrl"] = _runtime.ServiceUrl.ToString(),
            ["Embeddings:SageMaker:ControlPlaneUrl"] = _controlPlane.ServiceUrl.ToString(),
            ["Embeddings:SageMaker:IdentityRefresh"] = "00:00:00",
            ["Embeddings:SageMaker:Region"] = SageMakerStandIn.Region,
            ["Embeddings:SageMaker:EndpointName"] = _runtime.Endpoint,
        });
        await _silo.StartAsync();
        _client = await ClusterClient.StartAsync(_redis.ConnectionString, clusterId);
        _listener = CountLocalItems(_silo.Services.GetRequiredService<IMeterFactory>());

        var images = Directory.GetFiles(TestFiles.Fixture("clip-tiny", "images"));
        _folder = Directory.CreateDirectory(_data.File("photos")).FullName;
        foreach (var file in images)
        {
            File.Copy(file, Path.Combine(_folder, Path.GetFileName(file)));
        }

        _images = images.Length;
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        await _client.DisposeAsync();
        await _silo.DisposeAsync();
        await _controlPlane.DisposeAsync();
        await _runtime.DisposeAsync();
        await _redis.DisposeAsync();
        _http.Dispose();
        _model.Dispose();
        _data.Dispose();
        _environment.Dispose();
    }

    [Fact]
    public async Task A_rebuild_with_another_m_embeds_nothing_and_gives_the_same_vectors_while_a_changed_model_embeds_everything_again()
    {
        var model = TestFiles.Fixture("clip-tiny");
        var spec = new BuildSpec(SourceKinds.Folder, _folder, null, IndexDefaults.Metric, Model: model, Embedder: EmbedderKinds.Local);
        var first = await BuildAsync("first", spec);
        Assert.Equal((_images, (long)_images, 0L), (LocalItems("image"), first.ItemsEmbedded, first.ItemsCached));

        var again = await BuildAsync("again", spec with { M = 8 });
        Assert.Equal((_images, (long)_images, (long)_images), (LocalItems("image"), again.ItemsEmbedded, again.ItemsCached));
        await AssertSameAnswersAsync("first", "again");
        Assert.Equal(1, LocalItems("text")); // the same query text twice: embedded for the first search only

        // A copy of the model with one byte changed (a space in its preprocessor settings) is another model.
        var changed = Directory.CreateDirectory(_data.File("changed-model")).FullName;
        foreach (var file in ClipModelFolder.RequiredFiles)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(changed, file))!);
            File.Copy(Path.Combine(model, file), Path.Combine(changed, file));
        }

        await File.AppendAllTextAsync(Path.Combine(changed, "preprocessor_config.json"), " ");
        var other = await BuildAsync("other-model", spec with { Model = changed });
        Assert.Equal((2L * _images, 0L), (LocalItems("image"), other.ItemsCached));

        var cache = await _client.Grains.GetGrain<IEmbeddingCacheGrain>(0).StatusAsync();
        Assert.Equal((2L * _images) + 1, cache.Entries); // both models' images, and the query text once
        Assert.Equal(cache.Entries * ((first.Dimension * sizeof(float)) + Persistence.RedisEmbeddingCache.EntryOverhead), cache.Bytes);
    }

    [Fact]
    public async Task An_endpoint_shares_no_vectors_with_the_local_model_and_a_redeployed_endpoint_embeds_everything_again()
    {
        var local = new BuildSpec(SourceKinds.Folder, _folder, null, IndexDefaults.Metric, Model: TestFiles.Fixture("clip-tiny"), Embedder: EmbedderKinds.Local);
        await BuildAsync("local", local);
        var remote = local with { Model = null, Embedder = EmbedderKinds.SageMaker };

        var first = await BuildAsync("remote", remote);
        Assert.Equal((_images, 0L), (EndpointItems(), first.ItemsCached)); // same images, another model: all embedded at the endpoint

        var again = await BuildAsync("remote-again", remote with { M = 8 });
        Assert.Equal((_images, (long)_images), (EndpointItems(), again.ItemsCached));
        await AssertSameAnswersAsync("remote", "remote-again");
        Assert.Equal(_images + 1, EndpointItems()); // the query text, once

        await DeployAsync("clip-b", update: true); // the same endpoint now serves another configuration
        var redeployed = await BuildAsync("remote-redeployed", remote);
        Assert.Equal((_images + 1 + _images, 0L), (EndpointItems(), redeployed.ItemsCached));
    }

    private async Task<IndexStatus> BuildAsync(string dataset, BuildSpec spec)
    {
        await Builds.StartAsync(_client.Grains, dataset, spec);
        return await Builds.WaitReadyAsync(_client.Grains, dataset, TimeSpan.FromMinutes(2));
    }

    /// <summary>The same text query over both datasets: same ids, same scores to the bit, so the same vectors.</summary>
    private async Task AssertSameAnswersAsync(string dataset, string other)
    {
        var query = new SearchQuery(_images, 64, Text: "a photo of something");
        var expected = await _client.Grains.GetGrain<IDatasetIndexGrain>(dataset).SearchAsync(query);
        var actual = await _client.Grains.GetGrain<IDatasetIndexGrain>(other).SearchAsync(query);
        Assert.Equal(SearchOutcome.Ok, expected.Outcome);
        Assert.Equal(_images, expected.Hits.Length);
        Assert.Equal(expected.Hits.Select(h => (h.Id, h.Score)), actual.Hits.Select(h => (h.Id, h.Score)));
    }

    /// <summary>Texts and images the endpoint was sent.</summary>
    private int EndpointItems() => _runtime.Invocations.Sum(i => i.Items);

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

    /// <summary>Points the endpoint at a new configuration <paramref name="config"/> (with its own model), as the deploy tool would.</summary>
    private async Task DeployAsync(string config, bool update)
    {
        await _sageMaker.CallAsync("CreateModel", new JsonObject
        {
            ["ModelName"] = config,
            ["ExecutionRoleArn"] = "arn:aws:iam::123456789012:role/visionsearch",
            ["PrimaryContainer"] = new JsonObject { ["Image"] = "clip", ["ModelDataUrl"] = $"s3://models/{config}.tar.gz" },
        });
        await _sageMaker.CallAsync("CreateEndpointConfig", new JsonObject
        {
            ["EndpointConfigName"] = config,
            ["ProductionVariants"] = new JsonArray(new JsonObject { ["VariantName"] = "AllTraffic", ["ModelName"] = config, ["InitialInstanceCount"] = 1, ["InstanceType"] = "ml.m5.large" }),
        });
        await _sageMaker.CallAsync(update ? "UpdateEndpoint" : "CreateEndpoint", new JsonObject { ["EndpointName"] = _runtime.Endpoint, ["EndpointConfigName"] = config });
        await _sageMaker.CallAsync("DescribeEndpoint", new JsonObject { ["EndpointName"] = _runtime.Endpoint }); // InService after one look
    }
}

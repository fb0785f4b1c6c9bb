using System.Text.Json.Nodes;
using Amazon.Runtime;
using VisionSearch.Aws;
using VisionSearch.Contracts;
using VisionSearch.Embeddings;
using VisionSearch.Embeddings.Clip;
using VisionSearch.Testing;

namespace VisionSearch.Silo.Tests;

/// <summary>
/// A build with <c>embedder: sagemaker</c> against a loopback SageMaker (signatures checked, CLIP replaced by
/// the clip-tiny fixture, as in the local build): bursts of 503 and 429 are retried with back-off, an image the
/// endpoint's script refuses is skipped with the script's message, and the index equals the local build's. The loopback
/// control plane says which configuration the endpoint serves: the embedding cache's identity for its vectors. An endpoint
/// that holds its answer gives the API time to write an item a sync is embedding: the write wins.
/// </summary>
public sealed class SageMakerBuildTests : IAsyncLifetime
{
    private readonly RedisServerFixture _redis = new();
    private readonly TempDirectory _data = new();
    private readonly EnvironmentScope _environment = new();
    private readonly ClipEmbedder _model = ClipEmbedder.Open(new ClipModelFolder(TestFiles.Fixture("clip-tiny")), new ClipOptions());
    private readonly HttpClient _http = new();
    private SageMakerStandIn _sageMaker = null!;
    private SageMakerControlPlaneStandIn _controlPlane = null!;
    private SageMakerApi _controlPlaneApi = null!;
    private LocalSilos _silos = null!;

    public async ValueTask InitializeAsync()
    {
        // The silo takes credentials from the default chain, as in production; its first link is the environment.
        _environment.Set("AWS_ACCESS_KEY_ID", SageMakerStandIn.AccessKey).Set("AWS_SECRET_ACCESS_KEY", SageMakerStandIn.SecretKey).Set("AWS_SESSION_TOKEN", SageMakerStandIn.SessionToken);
        await _redis.InitializeAsync();
        _sageMaker = await SageMakerStandIn.StartAsync(_model);
        _controlPlane = await SageMakerControlPlaneStandIn.StartAsync(SageMakerStandIn.AccessKey, SageMakerStandIn.SecretKey, SageMakerStandIn.Region, SageMakerStandIn.SessionToken);
        _controlPlane.ChecksToInService = 1;
        _controlPlaneApi = new SageMakerApi(
            _http,
            new AwsRequestSigner(new SessionAWSCredentials(SageMakerStandIn.AccessKey, SageMakerStandIn.SecretKey, SageMakerStandIn.SessionToken), SageMakerStandIn.Region, "sagemaker"),
            _controlPlane.ServiceUrl);
        await DeployAsync("clip-a", update: false);
        _silos = await LocalSilos.StartAsync(_redis.ConnectionString, $"test-{Guid.NewGuid():N}", new Dictionary<string, string?>
        {
            ["Ingestion:BatchSize"] = "2",
            ["Embeddings:SageMaker:ServiceUrl"] = _sageMaker.ServiceUrl.ToString(),
            ["Embeddings:SageMaker:Region"] = SageMakerStandIn.Region,
            ["Embeddings:SageMaker:EndpointName"] = _sageMaker.Endpoint,
            ["Embeddings:SageMaker:RetryDelay"] = "00:00:00.050",
            ["Embeddings:SageMaker:ControlPlaneUrl"] = _controlPlane.ServiceUrl.ToString(),
            ["Embeddings:SageMaker:IdentityRefresh"] = "00:00:00",
        }, count: 1);
    }

    public async ValueTask DisposeAsync()
    {
        await _silos.DisposeAsync();
        await _controlPlane.DisposeAsync();
        await _sageMaker.DisposeAsync();
        await _redis.DisposeAsync();
        _http.Dispose();
        _model.Dispose();
        _data.Dispose();
        _environment.Dispose();
    }

    [Fact]
    public async Task A_sagemaker_build_rides_out_throttling_skips_what_the_model_refuses_and_equals_the_local_build()
    {
        var folder = _data.File("photos");
        var images = TestFiles.CopyFixtureImages(folder);

        await File.WriteAllBytesAsync(Path.Combine(folder, "broken.jpg"), [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4]);
        var count = images.Length;
        _sageMaker.FailNext(2, 503);
        _sageMaker.FailNext(2, 429);

        var remote = new BuildSpec(SourceKinds.Folder, folder, null, IndexDefaults.Metric, Embedder: EmbedderKinds.SageMaker);
        await Builds.StartAsync(_silos.Grains, "remote", remote);
        await Builds.StartAsync(_silos.Grains, "local", remote with { Embedder = EmbedderKinds.Local, Model = TestFiles.Fixture("clip-tiny") });
        var status = await Builds.WaitReadyAsync(_silos.Grains, "remote", TimeSpan.FromMinutes(2));
        await Builds.WaitReadyAsync(_silos.Grains, "local", TimeSpan.FromMinutes(2));

        Assert.Equal(0, _sageMaker.Pending); // every queued 503 and 429 was answered, and retried past
        Assert.Equal((count + 1L, (long)count, (long)count, 1L), (status.ItemsRead, status.ItemsEmbedded, status.Count, status.ItemsSkipped));
        Assert.Equal((_sageMaker.Endpoint, EmbedderKinds.SageMaker), (status.Model, status.Spec!.Embedder));
        var skip = Assert.Single(status.Skips!);
        Assert.Equal("broken.jpg", skip.Id);
        Assert.Equal("Image 0: images[0] is not an image (8 bytes).", skip.Reason);

        foreach (var file in images)
        {
            var query = (await _model.EmbedImagesAsync([await File.ReadAllBytesAsync(file)]))[0];
            var fromRemote = await _silos.Grains.GetGrain<IDatasetIndexGrain>("remote").SearchAsync(new SearchQuery(3, 64, Vector: query));
            var fromLocal = await _silos.Grains.GetGrain<IDatasetIndexGrain>("local").SearchAsync(new SearchQuery(3, 64, Vector: query));
            Assert.Equal(Path.GetFileName(file), fromRemote.Hits[0].Id);
            Assert.Equal(fromLocal.Hits.Select(h => h.Id), fromRemote.Hits.Select(h => h.Id));
            Assert.Equal(fromLocal.Hits.Select(h => h.Score), fromRemote.Hits.Select(h => h.Score), (a, b) => Math.Abs(a - b) < 1e-5);
        }
    }

    [Fact]
    public async Task An_endpoint_shares_no_vectors_with_the_local_model_and_a_redeployed_endpoint_embeds_everything_again()
    {
        var folder = _data.File("photos");
        var images = TestFiles.CopyFixtureImages(folder);

        var local = new BuildSpec(SourceKinds.Folder, folder, null, IndexDefaults.Metric, Model: TestFiles.Fixture("clip-tiny"), Embedder: EmbedderKinds.Local);
        await Builds.RunAsync(_silos.Grains, "local", local);
        var remote = local with { Model = null, Embedder = EmbedderKinds.SageMaker };

        var first = await Builds.RunAsync(_silos.Grains, "remote", remote);
        Assert.Equal((images.Length, 0L), (EndpointItems(), first.ItemsCached)); // same images, another model: all embedded at the endpoint

        var again = await Builds.RunAsync(_silos.Grains, "remote-again", remote with { M = 8 });
        Assert.Equal((images.Length, (long)images.Length), (EndpointItems(), again.ItemsCached));
        await Builds.AssertSameAnswersAsync(_silos.Grains, "remote", "remote-again", images.Length);
        Assert.Equal(images.Length + 1, EndpointItems()); // the query text, once

        await DeployAsync("clip-b", update: true); // the same endpoint now serves another configuration
        var redeployed = await Builds.RunAsync(_silos.Grains, "remote-redeployed", remote);
        Assert.Equal((images.Length + 1 + images.Length, 0L), (EndpointItems(), redeployed.ItemsCached));
    }

    [Fact]
    public async Task A_write_made_while_a_sync_embeds_the_same_item_wins_over_the_source()
    {
        var folder = _data.File("photos");
        var images = TestFiles.CopyFixtureImages(folder);

        var built = await Builds.RunAsync(_silos.Grains, "raced", new BuildSpec(SourceKinds.Folder, folder, null, IndexDefaults.Metric, Embedder: EmbedderKinds.SageMaker));
        var changed = Path.GetFileName(images[0]);
        await File.AppendAllBytesAsync(Path.Combine(folder, changed), [1, 2, 3]); // after the image's end: new bytes, the same picture

        // The sync finds the changed file and sends it to the endpoint, which holds the answer; meanwhile the API writes that id.
        _sageMaker.Delay(TimeSpan.FromSeconds(2));
        var sent = _sageMaker.Invocations.Count;
        var index = _silos.Grains.GetGrain<IDatasetIndexGrain>("raced");
        Assert.Equal(BuildOutcome.Started, (await index.SyncAsync()).Outcome);
        await Wait.UntilAsync(() => Task.FromResult(_sageMaker.Invocations.Count > sent), TimeSpan.FromSeconds(30), "the sync never called the endpoint");
        var vector = new float[built.Dimension];
        vector[0] = 1;
        Assert.Equal(WriteOutcome.Ok, (await index.WriteItemsAsync([new ItemWrite(changed, Vector: vector)])).Outcome);
        _sageMaker.Delay(TimeSpan.Zero);

        var synced = await Builds.WaitReadyAsync(_silos.Grains, "raced", TimeSpan.FromMinutes(2));
        Assert.Equal((new SyncCounts(Unchanged: images.Length), 1L, 0L), (synced.Sync, synced.ItemsEmbedded, synced.ItemsIndexed)); // embedded, then left out
        Assert.Equal(ItemKinds.Vector, (await index.GetItemAsync(changed))!.Kind);
        Assert.Equal(changed, (await index.SearchAsync(new SearchQuery(1, 64, Vector: vector))).Hits[0].Id);
    }

    /// <summary>Texts and images the endpoint was sent.</summary>
    private int EndpointItems() => _sageMaker.Invocations.Sum(i => i.Items);

    /// <summary>Points the endpoint at a new configuration <paramref name="config"/> (with its own model), as the deploy tool would.</summary>
    private async Task DeployAsync(string config, bool update)
    {
        await _controlPlaneApi.CallAsync("CreateModel", new JsonObject
        {
            ["ModelName"] = config,
            ["ExecutionRoleArn"] = "arn:aws:iam::123456789012:role/visionsearch",
            ["PrimaryContainer"] = new JsonObject { ["Image"] = "clip", ["ModelDataUrl"] = $"s3://models/{config}.tar.gz" },
        });
        await _controlPlaneApi.CallAsync("CreateEndpointConfig", new JsonObject
        {
            ["EndpointConfigName"] = config,
            ["ProductionVariants"] = new JsonArray(new JsonObject { ["VariantName"] = "AllTraffic", ["ModelName"] = config, ["InitialInstanceCount"] = 1, ["InstanceType"] = "ml.m5.large" }),
        });
        await _controlPlaneApi.CallAsync(update ? "UpdateEndpoint" : "CreateEndpoint", new JsonObject { ["EndpointName"] = _sageMaker.Endpoint, ["EndpointConfigName"] = config });
        await _controlPlaneApi.CallAsync("DescribeEndpoint", new JsonObject { ["EndpointName"] = _sageMaker.Endpoint }); // InService after one look
    }
}

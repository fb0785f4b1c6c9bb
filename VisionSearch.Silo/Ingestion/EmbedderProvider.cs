using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;
using VisionSearch.Aws;
using VisionSearch.Datasets;
using VisionSearch.Datasets.Access;
using VisionSearch.Embeddings;
using VisionSearch.Embeddings.Caching;
using VisionSearch.Embeddings.Clip;
using VisionSearch.Embeddings.SageMaker;
using VisionSearch.HuggingFace;
using VisionSearch.Silo.Persistence;

namespace VisionSearch.Silo.Ingestion;

/// <summary>
/// One embedder per (embedder, model) on this silo, made when a build first needs it: a local CLIP model
/// (located, downloaded on first use, and loaded once) or a SageMaker endpoint (credentials from the default
/// AWS chain). One that fails to load is tried again by the next build rather than remembered as failed. Each looks
/// up the shared embedding cache first, under its model's identity: a local model's fingerprint (its files' hash), an
/// endpoint's serving configuration.
/// </summary>
public sealed partial class EmbedderProvider(
    IOptions<EmbeddingsOptions> embeddings, IOptions<ClipOptions> clip, IOptions<SageMakerOptions> sageMaker, HubClient hub, DatasetSources sources,
    EmbeddingInstruments instruments, RedisEmbeddingCache cache, IOptions<EmbeddingCacheOptions> cacheOptions, TimeProvider time,
    ILogger<EmbedderProvider> logger) : IDisposable
{
    private readonly ConcurrentDictionary<(string Embedder, string Model), Lazy<Task<CachedEmbedder>>> _embedders = new();
    private readonly IEmbeddingCache? _cache = cacheOptions.Value.MaxBytes > 0 ? cache : null;
    private readonly HttpClient _sageMakerHttp = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = Timeout.InfiniteTimeSpan, // each attempt has its own (SageMakerOptions.Timeout)
    };

    /// <summary>The embedder a build uses when its spec names none.</summary>
    public string DefaultEmbedder => embeddings.Value.Embedder;

    /// <summary>The model (or SageMaker endpoint) a build on <paramref name="embedder"/> uses when its spec names none; null when none is configured.</summary>
    public string? DefaultModel(string embedder) => embedder == EmbedderKinds.SageMaker ? sageMaker.Value.EndpointName : clip.Value.Model;

    /// <summary>
    /// Refuses a local model folder that a request names (rather than the configured one) outside the shared
    /// folders, or one whose model files lead out of them: loading a model reads its files. A name that is no folder
    /// here is a Hub repository id.
    /// </summary>
    /// <exception cref="DatasetException">Refused, blaming <c>model</c>.</exception>
    public void CheckModel(string? embedder, string? model)
    {
        if (NamesFolder(embedder, model))
        {
            sources.Shared.Resolve(model, "model");
            foreach (var file in ClipModelFolder.RequiredFiles.Select(f => Path.Combine(model, f)).Where(Path.Exists))
            {
                sources.Shared.Resolve(file, "model");
            }
        }
    }

    /// <summary>Whether <paramref name="model"/> is a local folder a request names rather than the configured model.</summary>
    private bool NamesFolder(string? embedder, [NotNullWhen(true)] string? model) =>
        embedder == EmbedderKinds.Local && model is not null && model != clip.Value.Model
        && (Directory.Exists(model) || Path.IsPathRooted(model) || model.StartsWith('.') || model.StartsWith('~'));

    public async Task<CachedEmbedder> GetAsync(string embedder, string model)
    {
        CheckModel(embedder, model);
        var key = (embedder, model);
        var lazy = _embedders.GetOrAdd(key, k => new Lazy<Task<CachedEmbedder>>(() => LoadAsync(k.Embedder, k.Model)));
        try
        {
            return await lazy.Value;
        }
        catch
        {
            _embedders.TryRemove(new KeyValuePair<(string, string), Lazy<Task<CachedEmbedder>>>(key, lazy));
            throw;
        }
    }

    private async Task<CachedEmbedder> LoadAsync(string embedder, string model)
    {
        if (embedder == EmbedderKinds.SageMaker)
        {
            var options = sageMaker.Value;
            var credentials = await AwsEnvironment.CredentialsAsync();
            var region = AwsEnvironment.Region(options.Region);
            var controlPlane = new SageMakerApi(_sageMakerHttp, new AwsRequestSigner(credentials, region, "sagemaker"), options.ControlPlaneUrl, maxAttempts: 2);
            var identity = new SageMakerEndpointIdentity(
                controlPlane, region, model, options.IdentityRefresh, time, e => LogEndpointUnknown(logger, model, e.Message));
            return new CachedEmbedder(SageMakerEmbedder.Create(_sageMakerHttp, options, credentials, model, instruments), identity.GetAsync, _cache, instruments);
        }

        var settings = clip.Value;
        var located = new ClipOptions
        {
            Model = model,
            Revision = settings.Revision,
            MaxBatchSize = settings.MaxBatchSize,
            MaxConcurrentRuns = settings.MaxConcurrentRuns,
            IntraOpThreads = settings.IntraOpThreads,
        };
        var folder = await ClipModelFolder.LocateAsync(located, hub);
        if (NamesFolder(embedder, model))
        {
            // Checked by CheckModel, and checked again once each file is open: it may have been swapped since.
            folder = folder with { OpenFile = path => SharedFiles.OpenRead(path, sources.Shared, field: "model") };
        }

        var fingerprint = _cache is null ? "" : await Task.Run(() => folder.IdentityAsync()); // hashing the weights is wasted without a cache
        var clipEmbedder = await Task.Run(() => ClipEmbedder.Open(folder, located, instruments));
        return new CachedEmbedder(clipEmbedder, fingerprint, _cache, instruments);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embeddings from SageMaker endpoint {Endpoint} are not cached: DescribeEndpoint failed ({Reason}), so the model it serves is unknown.")]
    private static partial void LogEndpointUnknown(ILogger logger, string endpoint, string reason);

    public void Dispose()
    {
        foreach (var lazy in _embedders.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
            {
                lazy.Value.Result.Dispose();
            }
        }

        _sageMakerHttp.Dispose();
    }
}

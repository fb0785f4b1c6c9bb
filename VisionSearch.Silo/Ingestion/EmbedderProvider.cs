using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using VisionSearch.Aws;
using VisionSearch.Datasets;
using VisionSearch.Embeddings;
using VisionSearch.Embeddings.Clip;
using VisionSearch.Embeddings.SageMaker;
using VisionSearch.HuggingFace;

namespace VisionSearch.Silo.Ingestion;

/// <summary>
/// One embedder per (embedder, model) on this silo, made when a build first needs it: a local CLIP model
/// (located, downloaded on first use, and loaded once) or a SageMaker endpoint (credentials from the default
/// AWS chain). One that fails to load is tried again by the next build rather than remembered as failed.
/// </summary>
public sealed class EmbedderProvider(
    IOptions<EmbeddingsOptions> embeddings, IOptions<ClipOptions> clip, IOptions<SageMakerOptions> sageMaker, HubClient hub, DatasetSources sources,
    EmbeddingInstruments instruments) : IDisposable
{
    private readonly ConcurrentDictionary<(string Embedder, string Model), Lazy<Task<IMultimodalEmbedder>>> _embedders = new();
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
    /// folders: loading a model reads its files. A name that is no folder here is a Hub repository id.
    /// </summary>
    /// <exception cref="DatasetException">Refused, blaming <c>model</c>.</exception>
    public void CheckModel(string? embedder, string? model)
    {
        if (embedder == EmbedderKinds.Local && model is not null && model != clip.Value.Model
            && (Directory.Exists(model) || Path.IsPathRooted(model) || model.StartsWith('.') || model.StartsWith('~')))
        {
            sources.Shared.Resolve(model, "model");
        }
    }

    public async Task<IMultimodalEmbedder> GetAsync(string embedder, string model)
    {
        CheckModel(embedder, model);
        var key = (embedder, model);
        var lazy = _embedders.GetOrAdd(key, k => new Lazy<Task<IMultimodalEmbedder>>(() => LoadAsync(k.Embedder, k.Model)));
        try
        {
            return await lazy.Value;
        }
        catch
        {
            _embedders.TryRemove(new KeyValuePair<(string, string), Lazy<Task<IMultimodalEmbedder>>>(key, lazy));
            throw;
        }
    }

    private async Task<IMultimodalEmbedder> LoadAsync(string embedder, string model)
    {
        if (embedder == EmbedderKinds.SageMaker)
        {
            return SageMakerEmbedder.Create(_sageMakerHttp, sageMaker.Value, await AwsEnvironment.CredentialsAsync(), model, instruments);
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
        return await Task.Run(() => ClipEmbedder.Open(folder, located, instruments));
    }

    public void Dispose()
    {
        foreach (var lazy in _embedders.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully && lazy.Value.Result is IDisposable disposable)
            {
                disposable.Dispose();
            }
        }

        _sageMakerHttp.Dispose();
    }
}

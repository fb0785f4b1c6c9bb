using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using VisionSearch.Embeddings;
using VisionSearch.Embeddings.Clip;
using VisionSearch.HuggingFace;

namespace VisionSearch.Silo.Ingestion;

/// <summary>
/// One loaded CLIP embedder per model on this silo, located (downloaded on first use) when a build first
/// needs it. A model that fails to load is tried again by the next build rather than remembered as failed.
/// </summary>
public sealed class EmbedderProvider(IOptions<ClipOptions> options, HubClient hub) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<ClipEmbedder>>> _embedders = new(StringComparer.Ordinal);

    /// <summary>The model a build uses when its spec names none.</summary>
    public string DefaultModel => options.Value.Model;

    public async Task<ClipEmbedder> GetAsync(string model)
    {
        var lazy = _embedders.GetOrAdd(model, m => new Lazy<Task<ClipEmbedder>>(() => LoadAsync(m)));
        try
        {
            return await lazy.Value;
        }
        catch
        {
            _embedders.TryRemove(new KeyValuePair<string, Lazy<Task<ClipEmbedder>>>(model, lazy));
            throw;
        }
    }

    private async Task<ClipEmbedder> LoadAsync(string model)
    {
        var settings = options.Value;
        var located = new ClipOptions
        {
            Model = model,
            Revision = settings.Revision,
            MaxBatchSize = settings.MaxBatchSize,
            MaxConcurrentRuns = settings.MaxConcurrentRuns,
            IntraOpThreads = settings.IntraOpThreads,
        };
        var folder = await ClipModelFolder.LocateAsync(located, hub);
        return await Task.Run(() => ClipEmbedder.Open(folder, located));
    }

    public void Dispose()
    {
        foreach (var lazy in _embedders.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
            {
                lazy.Value.Result.Dispose();
            }
        }
    }
}

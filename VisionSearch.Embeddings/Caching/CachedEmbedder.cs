namespace VisionSearch.Embeddings.Caching;

/// <summary>Vectors in input order, and how many of them the cache held.</summary>
public readonly record struct CachedVectors(float[][] Vectors, int FromCache);

/// <summary>
/// An embedder that looks every input up in an <see cref="IEmbeddingCache"/> before it embeds, embeds only the
/// misses (in one call, in order), and stores what it embedded. Without a cache or a model identity it passes
/// everything through. An undecodable image still throws <see cref="InvalidDataException"/>, its position counted
/// among the images that were not cached.
/// </summary>
public sealed class CachedEmbedder : IMultimodalEmbedder, IDisposable
{
    private readonly IMultimodalEmbedder _inner;
    private readonly Func<CancellationToken, ValueTask<string?>> _identity;
    private readonly IEmbeddingCache? _cache;
    private readonly EmbeddingInstruments? _instruments;

    /// <param name="inner">The model that embeds the misses.</param>
    /// <param name="identity">
    /// What makes the model's vectors what they are (its weights, revision, preprocessing), asked before every lookup so
    /// a remote model can change under it; null where that cannot be known, and then nothing is cached: a stale vector
    /// is worse than another embedding.
    /// </param>
    /// <param name="cache">The shared cache, or null for none.</param>
    /// <param name="instruments">Where hits and misses are counted, or null for nowhere.</param>
    public CachedEmbedder(
        IMultimodalEmbedder inner, Func<CancellationToken, ValueTask<string?>> identity, IEmbeddingCache? cache, EmbeddingInstruments? instruments = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(identity);
        _inner = inner;
        _identity = identity;
        _cache = cache;
        _instruments = instruments;
    }

    /// <summary>An embedder whose model never changes under it (a local model's fingerprint).</summary>
    public CachedEmbedder(IMultimodalEmbedder inner, string identity, IEmbeddingCache? cache, EmbeddingInstruments? instruments = null)
        : this(inner, _ => ValueTask.FromResult<string?>(identity), cache, instruments)
    {
    }

    public string Provider => _inner.Provider;

    public int? Dimension => _inner.Dimension;

    /// <summary>One vector per text, in order, with how many came from the cache.</summary>
    public Task<CachedVectors> TextsAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return EmbedAsync(
            "text", texts, (model, text) => EmbeddingKeys.Text(model, text), misses => _inner.EmbedTextsAsync(misses, cancellationToken), cancellationToken);
    }

    /// <summary>One vector per encoded image, in order, with how many came from the cache.</summary>
    /// <exception cref="InvalidDataException">An image the model cannot take.</exception>
    public Task<CachedVectors> ImagesAsync(IReadOnlyList<ReadOnlyMemory<byte>> images, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        return EmbedAsync(
            "image", images, (model, image) => EmbeddingKeys.Image(model, image.Span), misses => _inner.EmbedImagesAsync(misses, cancellationToken), cancellationToken);
    }

    public async Task<float[][]> EmbedTextsAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default) =>
        (await TextsAsync(texts, cancellationToken)).Vectors;

    public async Task<float[][]> EmbedImagesAsync(IReadOnlyList<ReadOnlyMemory<byte>> images, CancellationToken cancellationToken = default) =>
        (await ImagesAsync(images, cancellationToken)).Vectors;

    private async Task<CachedVectors> EmbedAsync<T>(
        string kind, IReadOnlyList<T> inputs, Func<string, T, string> keyOf, Func<IReadOnlyList<T>, Task<float[][]>> embed, CancellationToken cancellationToken)
    {
        if (_cache is null || inputs.Count == 0 || await _identity(cancellationToken) is not { } model)
        {
            return new CachedVectors(await embed(inputs), 0);
        }

        var keys = inputs.Select(input => keyOf(model, input)).ToArray();
        var found = await _cache.GetAsync(keys, cancellationToken);
        var missing = Enumerable.Range(0, inputs.Count).Where(i => found[i] is null).ToArray();
        _instruments?.RecordCacheLookups(kind, hits: inputs.Count - missing.Length, misses: missing.Length);
        if (missing.Length > 0)
        {
            var embedded = await embed([.. missing.Select(i => inputs[i])]);
            for (var j = 0; j < missing.Length; j++)
            {
                found[missing[j]] = embedded[j];
            }

            await _cache.SetAsync([.. missing.Select(i => keys[i])], embedded, cancellationToken);
        }

        return new CachedVectors(found!, inputs.Count - missing.Length);
    }

    public void Dispose() => (_inner as IDisposable)?.Dispose();
}

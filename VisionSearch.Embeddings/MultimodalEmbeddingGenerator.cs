using Microsoft.Extensions.AI;

namespace VisionSearch.Embeddings;

/// <summary>
/// What the text and image generators share: an <see cref="IMultimodalEmbedder"/>'s unit-length vectors as
/// Microsoft.Extensions.AI embeddings, the dimension check, and the service lookup. The embedder is shared,
/// owned elsewhere.
/// </summary>
public abstract class MultimodalEmbeddingGenerator<TInput>(IMultimodalEmbedder embedder, string modelId) : IEmbeddingGenerator<TInput, Embedding<float>>
{
    protected IMultimodalEmbedder Embedder { get; } = embedder;

    /// <exception cref="ArgumentException">Other dimensions than the model's were requested.</exception>
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<TInput> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var vectors = await EmbedAsync([.. values], cancellationToken);
        if (options?.Dimensions is { } requested && vectors.Length > 0 && requested != vectors[0].Length)
        {
            throw new ArgumentException($"{modelId} embeds in {vectors[0].Length} dimensions; {requested} were requested.", nameof(options));
        }

        var createdAt = DateTimeOffset.UtcNow;
        return [.. vectors.Select(v => new Embedding<float>(v) { ModelId = modelId, CreatedAt = createdAt })];
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(EmbeddingGeneratorMetadata) ? new EmbeddingGeneratorMetadata(Embedder.Provider, null, modelId, Embedder.Dimension)
            : serviceType.IsInstanceOfType(Embedder) ? Embedder
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <summary>The embedder is shared and disposed by its owner: nothing to release here.</summary>
    public void Dispose() => GC.SuppressFinalize(this);

    protected abstract Task<float[][]> EmbedAsync(IReadOnlyList<TInput> values, CancellationToken cancellationToken);
}

using Microsoft.Extensions.AI;
using VisionSearch.Embeddings.Clip;

namespace VisionSearch.Embeddings;

/// <summary>
/// What the text and image generators share: CLIP's unit-length vectors as Microsoft.Extensions.AI
/// embeddings, the dimension check, and the service lookup. The embedder is shared, owned elsewhere.
/// </summary>
public abstract class ClipEmbeddingGenerator<TInput>(ClipEmbedder embedder, string modelId) : IEmbeddingGenerator<TInput, Embedding<float>>
{
    private readonly EmbeddingGeneratorMetadata _metadata = new("onnxruntime", null, modelId, embedder.Dimension);

    protected ClipEmbedder Embedder { get; } = embedder;

    /// <exception cref="ArgumentException">Other dimensions than CLIP's were requested.</exception>
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<TInput> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (options?.Dimensions is { } requested && requested != Embedder.Dimension)
        {
            throw new ArgumentException($"CLIP embeds in {Embedder.Dimension} dimensions; {requested} were requested.", nameof(options));
        }

        var vectors = await EmbedAsync([.. values], cancellationToken);
        var createdAt = DateTimeOffset.UtcNow;
        return [.. vectors.Select(v => new Embedding<float>(v) { ModelId = modelId, CreatedAt = createdAt })];
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
            : serviceType == typeof(ClipEmbedder) ? Embedder
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <summary>The embedder is shared and disposed by its owner: nothing to release here.</summary>
    public void Dispose() => GC.SuppressFinalize(this);

    protected abstract Task<float[][]> EmbedAsync(IReadOnlyList<TInput> values, CancellationToken cancellationToken);
}

using Microsoft.Extensions.AI;
using VisionSearch.Embeddings.Clip;

namespace VisionSearch.Embeddings;

/// <summary>CLIP text embeddings (unit length) as a Microsoft.Extensions.AI generator.</summary>
public sealed class ClipTextEmbeddingGenerator(ClipEmbedder embedder, string modelId) : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly EmbeddingGeneratorMetadata _metadata = new("onnxruntime", null, modelId, embedder.Dimension);

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        EmbeddingOptionsCheck.Dimensions(options, embedder.Dimension);
        var vectors = await embedder.EmbedTextsAsync([.. values], cancellationToken);
        return EmbeddingOptionsCheck.Wrap(vectors, modelId);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        EmbeddingOptionsCheck.Service(this, _metadata, embedder, serviceType, serviceKey);

    /// <summary>The embedder is shared (and disposed by its owner), so there is nothing to release here.</summary>
    public void Dispose()
    {
    }
}

using Microsoft.Extensions.AI;
using VisionSearch.Embeddings.Clip;

namespace VisionSearch.Embeddings;

/// <summary>CLIP image embeddings (unit length) from encoded image bytes, as a Microsoft.Extensions.AI generator.</summary>
public sealed class ClipImageEmbeddingGenerator(ClipEmbedder embedder, string modelId) : IEmbeddingGenerator<DataContent, Embedding<float>>
{
    private readonly EmbeddingGeneratorMetadata _metadata = new("onnxruntime", null, modelId, embedder.Dimension);

    /// <exception cref="InvalidDataException">An image cannot be decoded; the message names its position.</exception>
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<DataContent> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        EmbeddingOptionsCheck.Dimensions(options, embedder.Dimension);
        var vectors = await embedder.EmbedImagesAsync([.. values.Select(v => v.Data)], cancellationToken);
        return EmbeddingOptionsCheck.Wrap(vectors, modelId);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        EmbeddingOptionsCheck.Service(this, _metadata, embedder, serviceType, serviceKey);

    /// <summary>The embedder is shared (and disposed by its owner), so there is nothing to release here.</summary>
    public void Dispose()
    {
    }
}

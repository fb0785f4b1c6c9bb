using VisionSearch.Embeddings.Clip;

namespace VisionSearch.Embeddings;

/// <summary>CLIP text embeddings (unit length) as a Microsoft.Extensions.AI generator.</summary>
public sealed class ClipTextEmbeddingGenerator(ClipEmbedder embedder, string modelId) : ClipEmbeddingGenerator<string>(embedder, modelId)
{
    protected override Task<float[][]> EmbedAsync(IReadOnlyList<string> values, CancellationToken cancellationToken) =>
        Embedder.EmbedTextsAsync(values, cancellationToken);
}

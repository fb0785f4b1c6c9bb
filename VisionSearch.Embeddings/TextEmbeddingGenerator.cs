namespace VisionSearch.Embeddings;

/// <summary>Text embeddings (unit length) as a Microsoft.Extensions.AI generator, from the local or the SageMaker embedder.</summary>
public sealed class TextEmbeddingGenerator(IMultimodalEmbedder embedder, string modelId) : MultimodalEmbeddingGenerator<string>(embedder, modelId)
{
    protected override Task<float[][]> EmbedAsync(IReadOnlyList<string> values, CancellationToken cancellationToken) =>
        Embedder.EmbedTextsAsync(values, cancellationToken);
}

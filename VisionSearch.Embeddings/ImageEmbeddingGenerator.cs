using Microsoft.Extensions.AI;

namespace VisionSearch.Embeddings;

/// <summary>Image embeddings (unit length) from encoded image bytes; an image the model cannot take fails the call with an <see cref="InvalidDataException"/> naming its position.</summary>
public sealed class ImageEmbeddingGenerator(IMultimodalEmbedder embedder, string modelId) : MultimodalEmbeddingGenerator<DataContent>(embedder, modelId)
{
    protected override Task<float[][]> EmbedAsync(IReadOnlyList<DataContent> values, CancellationToken cancellationToken) =>
        Embedder.EmbedImagesAsync([.. values.Select(v => v.Data)], cancellationToken);
}

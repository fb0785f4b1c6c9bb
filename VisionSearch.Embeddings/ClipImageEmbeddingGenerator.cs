using Microsoft.Extensions.AI;
using VisionSearch.Embeddings.Clip;

namespace VisionSearch.Embeddings;

/// <summary>CLIP image embeddings (unit length) from encoded image bytes; an undecodable image fails the call with an <see cref="InvalidDataException"/> naming its position.</summary>
public sealed class ClipImageEmbeddingGenerator(ClipEmbedder embedder, string modelId) : ClipEmbeddingGenerator<DataContent>(embedder, modelId)
{
    protected override Task<float[][]> EmbedAsync(IReadOnlyList<DataContent> values, CancellationToken cancellationToken) =>
        Embedder.EmbedImagesAsync([.. values.Select(v => v.Data)], cancellationToken);
}

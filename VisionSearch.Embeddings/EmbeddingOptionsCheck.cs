using Microsoft.Extensions.AI;
using VisionSearch.Embeddings.Clip;

namespace VisionSearch.Embeddings;

/// <summary>What the text and image generators share: option checks, result wrapping, service lookup.</summary>
internal static class EmbeddingOptionsCheck
{
    public static void Dimensions(EmbeddingGenerationOptions? options, int dimension)
    {
        if (options?.Dimensions is { } requested && requested != dimension)
        {
            throw new ArgumentException($"CLIP embeds in {dimension} dimensions; {requested} were requested.", nameof(options));
        }
    }

    public static GeneratedEmbeddings<Embedding<float>> Wrap(float[][] vectors, string modelId)
    {
        var createdAt = DateTimeOffset.UtcNow;
        return [.. vectors.Select(v => new Embedding<float>(v) { ModelId = modelId, CreatedAt = createdAt })];
    }

    public static object? Service(object generator, EmbeddingGeneratorMetadata metadata, ClipEmbedder embedder, Type serviceType, object? serviceKey)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        return serviceType == typeof(EmbeddingGeneratorMetadata) ? metadata
            : serviceType == typeof(ClipEmbedder) ? embedder
            : serviceType.IsInstanceOfType(generator) ? generator
            : null;
    }
}

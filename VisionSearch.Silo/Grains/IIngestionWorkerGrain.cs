namespace VisionSearch.Silo.Grains;

/// <summary>An image (encoded bytes) or a text to embed.</summary>
[GenerateSerializer, Immutable, Alias("vs.EmbedItem")]
public sealed record EmbedItem(string Id, byte[]? Image, string? Text);

/// <summary>One vector per item, or why the item could not be embedded (null vector); <paramref name="Cached"/> of the vectors came from the embedding cache.</summary>
[GenerateSerializer, Immutable, Alias("vs.EmbedResult")]
public sealed record EmbedResult(float[]?[] Vectors, string?[] Failures, int Cached = 0);

/// <summary>
/// Embeds batches for builds. A stateless worker: Orleans runs as many local activations as there are
/// concurrent batches (up to its limit), beside the build that sends them.
/// </summary>
[Alias("vs.IIngestionWorkerGrain")]
public interface IIngestionWorkerGrain : IGrainWithIntegerKey
{
    /// <summary>Embeds <paramref name="items"/> with <paramref name="model"/> on <paramref name="embedder"/> (local or sagemaker); transient embedder faults are retried with back-off.</summary>
    [Alias("embed")]
    Task<EmbedResult> EmbedAsync(string embedder, string model, EmbedItem[] items);
}

namespace VisionSearch.Embeddings;

/// <summary>
/// A CLIP-style model that puts texts and images in one space: the local ONNX embedder or a SageMaker
/// endpoint. Vectors come back unit length, one per input, in order.
/// </summary>
public interface IMultimodalEmbedder
{
    /// <summary>Who runs the model, as OpenTelemetry's <c>gen_ai.system</c> would name it.</summary>
    string Provider { get; }

    /// <summary>The embedding length, or null while it is not known yet (a remote model before its first answer).</summary>
    int? Dimension { get; }

    Task<float[][]> EmbedTextsAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default);

    /// <summary>One vector per encoded image (JPEG, PNG, GIF, WebP, BMP).</summary>
    /// <exception cref="InvalidDataException">The model cannot take an image (undecodable, too large); the message names its position.</exception>
    Task<float[][]> EmbedImagesAsync(IReadOnlyList<ReadOnlyMemory<byte>> images, CancellationToken cancellationToken = default);
}

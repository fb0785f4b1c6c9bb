using System.ComponentModel.DataAnnotations;

namespace VisionSearch.Embeddings;

/// <summary>Which embedder builds and queries use when they name none. Section <c>Embeddings</c>.</summary>
public sealed class EmbeddingsOptions
{
    public const string SectionName = "Embeddings";

    /// <summary><c>local</c> (CLIP on ONNX Runtime, the default) or <c>sagemaker</c>.</summary>
    [AllowedValues(EmbedderKinds.Local, EmbedderKinds.SageMaker)]
    public string Embedder { get; set; } = EmbedderKinds.Local;
}

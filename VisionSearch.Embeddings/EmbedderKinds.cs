namespace VisionSearch.Embeddings;

/// <summary>The embedders a build or query can name.</summary>
public static class EmbedderKinds
{
    /// <summary>CLIP on ONNX Runtime in the silo (<see cref="ClipOptions"/>).</summary>
    public const string Local = "local";

    /// <summary>A SageMaker endpoint (<see cref="SageMaker.SageMakerOptions"/>).</summary>
    public const string SageMaker = "sagemaker";

    public static IReadOnlyList<string> All { get; } = [Local, SageMaker];
}

namespace VisionSearch.Embeddings.Clip;

/// <summary>The files of a CLIP model in the Hugging Face / Xenova layout.</summary>
public sealed record ClipModelFolder(string Path)
{
    /// <summary>Every file the embedder reads, relative to the folder; the tokenizer may instead be vocab.json + merges.txt.</summary>
    public static IReadOnlyList<string> RequiredFiles { get; } =
        ["tokenizer.json", "preprocessor_config.json", "onnx/text_model.onnx", "onnx/vision_model.onnx"];

    public string TextModel => System.IO.Path.Combine(Path, "onnx", "text_model.onnx");

    public string VisionModel => System.IO.Path.Combine(Path, "onnx", "vision_model.onnx");
}

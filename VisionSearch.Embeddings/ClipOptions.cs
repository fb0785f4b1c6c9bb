using System.ComponentModel.DataAnnotations;

namespace VisionSearch.Embeddings;

/// <summary>Where the CLIP model comes from and how it runs. Section <c>Embeddings:Clip</c>.</summary>
public sealed class ClipOptions
{
    public const string SectionName = "Embeddings:Clip";

    /// <summary>A local folder in the Hugging Face layout, or a Hub repo id downloaded on first use.</summary>
    [Required]
    public string Model { get; set; } = "Xenova/clip-vit-base-patch32";

    /// <summary>The Hub revision (branch, tag or commit) to pin.</summary>
    [Required]
    public string Revision { get; set; } = "main";

    /// <summary>Texts or images per <c>session.Run</c>.</summary>
    [Range(1, 1024)]
    public int MaxBatchSize { get; set; } = 32;

    /// <summary>Runs in flight at once per model; more callers wait. Each run uses <see cref="IntraOpThreads"/>.</summary>
    [Range(1, 64)]
    public int MaxConcurrentRuns { get; set; } = 2;

    /// <summary>ONNX Runtime threads inside one run; 0 divides the cores among the concurrent runs.</summary>
    [Range(0, 256)]
    public int IntraOpThreads { get; set; }
}

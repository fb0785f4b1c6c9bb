using VisionSearch.Hnsw;

namespace VisionSearch.Contracts;

/// <summary>What to index and how. Two specs that differ in anything build two different index versions.</summary>
/// <param name="Source">The kind of source, one of <see cref="SourceKinds"/>.</param>
/// <param name="Location">Where the data is: a path readable by the silo, or a Hub dataset id for <see cref="SourceKinds.Hub"/>.</param>
/// <param name="Limit">Index at most this many items (null: all).</param>
/// <param name="Metric">How vectors are compared; stored by its name (<c>cosine</c>, <c>ip</c> or <c>l2</c>).</param>
/// <param name="Column">The table column holding the image or text (Parquet, CSV/JSONL and Hub sources); null picks the first image or text column.</param>
/// <param name="Model">What embeds images and texts: for the local embedder a CLIP model folder or Hub repo id, for SageMaker the endpoint name; null takes the silo's configured one. Ignored for vectors.</param>
/// <param name="Subset">The Hub dataset's config (subset); null takes the default.</param>
/// <param name="Split">The Hub dataset's split; null takes train, or the first.</param>
/// <param name="M">HNSW links per node.</param>
/// <param name="EfConstruction">HNSW candidate list size while inserting.</param>
/// <param name="Shards">How many shard grains hold the index; null splits by the silo's configured items per shard.</param>
/// <param name="Embedder"><c>local</c> (ONNX Runtime in the silo) or <c>sagemaker</c>; null takes the silo's configured one. Ignored for vectors.</param>
/// <param name="Quantization">What the graph is walked with: float32 vectors, int8 or one-bit RaBitQ codes (the originals then re-rank from a file).</param>
[GenerateSerializer, Immutable, Alias("vs.BuildSpec")]
public sealed record BuildSpec(
    string Source,
    string Location,
    long? Limit,
    Metric Metric,
    string? Column = null,
    string? Model = null,
    string? Subset = null,
    string? Split = null,
    int M = IndexDefaults.M,
    int EfConstruction = IndexDefaults.EfConstruction,
    int? Shards = null,
    string? Embedder = null,
    Quantization Quantization = Quantization.None);

/// <summary>The names of source kinds in <see cref="BuildSpec.Source"/>.</summary>
public static class SourceKinds
{
    /// <summary>Precomputed vectors in a <c>.fvecs</c> or <c>.npy</c> file; row i gets id "i".</summary>
    public const string Vectors = "vectors";

    /// <summary>A folder of images (id: the relative path), with optional captions.</summary>
    public const string Folder = "folder";

    /// <summary>A Parquet file with an image or text column (id: the row).</summary>
    public const string Parquet = "parquet";

    /// <summary>Texts: a <c>.txt</c> file (a line each), or a <c>.csv</c>/<c>.jsonl</c> file with <see cref="BuildSpec.Column"/>.</summary>
    public const string Text = "text";

    /// <summary>A Hugging Face Hub dataset by id (<c>org/name</c>), read from its Parquet files.</summary>
    public const string Hub = "hub";

    /// <summary>A dataset created empty (<c>PUT /datasets/{name}</c>) and fed through the API alone; not a build source.</summary>
    public const string Api = "api";

    /// <summary>Every kind a build reads, for messages.</summary>
    public static IReadOnlyList<string> All { get; } = [Vectors, Folder, Parquet, Text, Hub];
}

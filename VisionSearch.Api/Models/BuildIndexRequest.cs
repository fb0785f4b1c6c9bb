using VisionSearch.Contracts;

namespace VisionSearch.Api.Models;

/// <summary>Builds (or rebuilds) the index of a dataset.</summary>
/// <param name="Dataset">The dataset name: 1 to 128 letters, digits, '.', '_' or '-'.</param>
/// <param name="Source">Where items come from: <c>vectors</c> (default; a .fvecs or .npy file of precomputed embeddings), <c>folder</c> (images), <c>parquet</c> (an image or text column), <c>text</c> (.txt lines, or a .csv/.jsonl column) or <c>hub</c> (a Hugging Face dataset).</param>
/// <param name="Location">The path of the file or folder, as the silo sees it; for <c>hub</c>, the dataset id (<c>org/name</c>).</param>
/// <param name="Limit">Index at most this many items.</param>
/// <param name="Metric"><c>cosine</c> (default), <c>ip</c> or <c>l2</c>.</param>
/// <param name="Column">The image or text column (parquet, text tables, hub); default: the first image column, else <c>text</c>.</param>
/// <param name="Model">What embeds images and texts: for <c>embedder: local</c> a CLIP model (Hub repo id or folder on the silo), for <c>sagemaker</c> the endpoint name; default: the silo's configured one.</param>
/// <param name="Subset">The Hub dataset's config.</param>
/// <param name="Split">The Hub dataset's split (default: train).</param>
/// <param name="M">HNSW links per node (default 16).</param>
/// <param name="EfConstruction">HNSW build candidate list (default 200).</param>
/// <param name="Shards">Shard grains for this index; default: one per 5,000,000 items when the size is known.</param>
/// <param name="Embedder"><c>local</c> (CLIP on ONNX Runtime in the silos) or <c>sagemaker</c> (the configured endpoint, or <c>model</c>); default: the silos' configured one.</param>
/// <param name="DatasetRepo">The Python original's field: a Hub dataset id. Means <c>source: hub</c> with this <c>location</c>; the dataset name defaults to the id with '/' as '--'.</param>
/// <param name="ImageColumn">The Python original's field: the same as <c>column</c>.</param>
/// <param name="Quantization"><c>none</c> (default: float32 vectors), <c>sq8</c> (int8 codes) or <c>rabitq</c> (one bit per dimension, a 25th of float32's memory for 512-d): what the graph is walked with; results are re-ranked with the full vectors, which the silo keeps in a file.</param>
/// <param name="Mode"><c>build</c> (default): a new version from <c>source</c> and <c>location</c>. <c>sync</c>: the served build made equal to its own source again, in place (new items added, changed ones replaced, vanished ones deleted, unchanged ones untouched); only <c>dataset</c> and <c>compare</c> are read.</param>
/// <param name="Compare">For <c>mode: sync</c>: <c>stamps</c> (default) reads only files whose size or time moved (a Hub dataset: only when its Parquet commit moved), <c>content</c> reads and compares every item (after a restore that kept sizes and times).</param>
public sealed record BuildIndexRequest(
    string? Dataset,
    string? Source,
    string? Location,
    long? Limit,
    string? Metric,
    string? Column = null,
    string? Model = null,
    string? Subset = null,
    string? Split = null,
    int? M = null,
    int? EfConstruction = null,
    int? Shards = null,
    string? Embedder = null,
    string? DatasetRepo = null,
    string? ImageColumn = null,
    string? Mode = null,
    string? Quantization = null,
    string? Compare = null)
{
    public const string BuildMode = "build";

    public const string SyncMode = "sync";

    /// <summary>The request in this API's own terms: the original's <c>dataset_repo</c> and <c>image_column</c> become a Hub source.</summary>
    public BuildIndexRequest Normalized() => DatasetRepo is not { } repo
        ? this
        : this with
        {
            Dataset = Dataset ?? repo.Replace("/", "--", StringComparison.Ordinal),
            Source = Source ?? SourceKinds.Hub,
            Location = Location ?? repo,
            Column = Column ?? ImageColumn,
            DatasetRepo = null,
            ImageColumn = null,
        };
}

namespace VisionSearch.Api.Models;

/// <summary>Builds (or rebuilds) the index of a dataset.</summary>
/// <param name="Dataset">The dataset name: 1 to 128 letters, digits, '.', '_' or '-'.</param>
/// <param name="Source">Where items come from: <c>vectors</c> (a .fvecs or .npy file of precomputed embeddings).</param>
/// <param name="Location">The path of the source file, as the silo sees it.</param>
/// <param name="Limit">Index at most this many items.</param>
/// <param name="Metric"><c>cosine</c> (default), <c>ip</c> or <c>l2</c>.</param>
public sealed record BuildIndexRequest(string? Dataset, string? Source, string? Location, long? Limit, string? Metric);

using VisionSearch.Contracts;
using VisionSearch.Hnsw;

namespace VisionSearch.Silo.Grains;

/// <summary>The searchable index of a dataset, immutable once published, with the spec and snapshot it came from.</summary>
internal sealed record ServingIndex(HnswIndex Index, BuildSpec Spec, long SnapshotVersion, DateTimeOffset BuiltAt);

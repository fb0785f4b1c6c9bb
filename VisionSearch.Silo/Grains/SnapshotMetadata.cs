using VisionSearch.Contracts;

namespace VisionSearch.Silo.Grains;

/// <summary>What a dataset snapshot's manifest says about the index inside it.</summary>
internal sealed record SnapshotMetadata(BuildSpec Spec, DateTimeOffset BuiltAt, int Count, int Dimension);

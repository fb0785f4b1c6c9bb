namespace VisionSearch.Datasets.Vectors;

/// <summary>One precomputed vector and its 0-based row number in the file (its stable id).</summary>
public sealed record VectorRow(long Row, float[] Vector);

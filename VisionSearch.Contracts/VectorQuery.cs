namespace VisionSearch.Contracts;

/// <summary>A nearest-neighbour query by vector.</summary>
/// <param name="Vector">The query vector; its length must equal the index dimension.</param>
/// <param name="K">How many results to return.</param>
[GenerateSerializer, Immutable, Alias("vs.VectorQuery")]
public sealed record VectorQuery(float[] Vector, int K);

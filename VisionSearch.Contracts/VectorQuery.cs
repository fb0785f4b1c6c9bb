namespace VisionSearch.Contracts;

/// <summary>A nearest-neighbour query by vector.</summary>
/// <param name="Vector">The query vector; its length must equal the index dimension.</param>
/// <param name="K">How many results to return.</param>
/// <param name="Ef">The HNSW candidate list size (raised to K); 0 takes the index default.</param>
[GenerateSerializer, Immutable, Alias("vs.VectorQuery")]
public sealed record VectorQuery(float[] Vector, int K, int Ef = 0);

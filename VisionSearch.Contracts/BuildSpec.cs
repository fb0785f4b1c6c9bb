namespace VisionSearch.Contracts;

/// <summary>What to index and how.</summary>
/// <param name="Source">The kind of source; <see cref="SourceKinds.Vectors"/> is the one supported today.</param>
/// <param name="Location">Where the data is: a file path readable by the silo.</param>
/// <param name="Limit">Index at most this many items (null: all).</param>
/// <param name="Metric">How vectors are compared: <c>cosine</c>, <c>ip</c> or <c>l2</c>.</param>
[GenerateSerializer, Immutable, Alias("vs.BuildSpec")]
public sealed record BuildSpec(string Source, string Location, long? Limit, string Metric);

/// <summary>The names of source kinds in <see cref="BuildSpec.Source"/>.</summary>
public static class SourceKinds
{
    /// <summary>Precomputed vectors in a <c>.fvecs</c> or <c>.npy</c> file; row i gets id "i".</summary>
    public const string Vectors = "vectors";
}

namespace VisionSearch.Bench;

/// <summary>One bench invocation, as parsed from the command line.</summary>
internal sealed record BenchSettings(
    string BasePath,
    string QueryPath,
    string TruthPath,
    int M,
    int EfConstruction,
    IReadOnlyList<int> Efs,
    int K,
    int Threads,
    int Run,
    string Variant,
    int SearchThreads = 1);

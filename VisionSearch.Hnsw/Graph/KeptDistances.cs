namespace VisionSearch.Hnsw.Graph;

/// <summary>
/// Per thread and distance type, the distances from the neighbours the selection heuristic has kept so far: an array
/// of the generic struct, which cannot live on the stack (it may hold references) nor in the non-generic context.
/// </summary>
internal static class KeptDistances<T> where T : struct
{
    [ThreadStatic]
    private static T[]? t_kept;

    public static T[] Get(int count) => t_kept is { } kept && kept.Length >= count ? kept : t_kept = new T[Math.Max(count, 64)];
}

namespace VisionSearch.Silo.Filtering;

/// <summary>
/// How a shard searches with a filter, chosen by how many items match (as Qdrant chooses by cardinality): a walk of
/// the graph that keeps only matching nodes, or an exact scan of the matching items. The walk measures about
/// ef·2M nodes for ef results when every node matches, and about ef·2M / p when a share p does (it walks through the
/// rest to find them); the scan measures the p·n matching items. So scan when p·n ≤ ef·2M / p, that is when
/// matching² ≤ ef·2M·n: at 100k items, ef 64 and M 16 up to about 14,000 matching items (14 %).
/// </summary>
/// <para>
/// A walk keeps ef matching nodes, but they are sparser than the graph's nodes, so the same ef finds fewer of the
/// true matching neighbours than it finds of the unfiltered ones (recall@10 0.924 against 0.944 at half matching in
/// FilterTests' data). The walk widens ef by 1/p, at most <see cref="MaxWiden"/> times.
/// </para>
internal static class FilterPlan
{
    public const int MaxWiden = 4;

    public static bool ScansExactly(long matching, long live, int ef, int m) => matching * matching <= (long)ef * 2 * m * live;

    /// <summary>The ef of a filtered walk: <paramref name="ef"/> / p, within 1 and <see cref="MaxWiden"/> times ef.</summary>
    public static int WalkEf(long matching, long live, int ef) =>
        matching <= 0 ? ef : (int)Math.Min((long)ef * MaxWiden, Math.Max(ef, (long)Math.Ceiling(ef * (double)live / matching)));
}

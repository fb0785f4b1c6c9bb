using VisionSearch.Contracts;

namespace VisionSearch.Api.Models;

/// <summary>
/// <c>GET /index/status</c> without a dataset: every dataset's status, and a summary in the Python original's
/// shape (<c>status</c>, <c>count</c>, <c>total</c>) so its clients keep working.
/// </summary>
/// <param name="Status"><c>building</c> while any build runs, else <c>ready</c> when any dataset is searchable, else <c>failed</c> or <c>empty</c>.</param>
/// <param name="Count">Items searchable, over all datasets.</param>
/// <param name="Total">Items the running builds will have when they finish, plus the searchable items of the others; absent when a running build's size is unknown.</param>
/// <param name="MemoryBytes">The native memory of every searchable index, summed.</param>
/// <param name="Datasets">Each dataset's status.</param>
public sealed record IndexOverview(IndexPhase Status, long Count, long? Total, long MemoryBytes, IReadOnlyList<IndexStatus> Datasets)
{
    public static IndexOverview Of(IReadOnlyList<IndexStatus> datasets)
    {
        var phase = datasets.Any(d => d.Status == IndexPhase.Building) ? IndexPhase.Building
            : datasets.Any(d => d.Count > 0) ? IndexPhase.Ready
            : datasets.Any(d => d.Status == IndexPhase.Failed) ? IndexPhase.Failed
            : IndexPhase.Empty;
        long? total = 0;
        foreach (var d in datasets)
        {
            total += d.Status == IndexPhase.Building ? d.ItemsTotal : d.Count;
        }

        return new IndexOverview(phase, datasets.Sum(d => d.Count), total, datasets.Sum(d => d.MemoryBytes), datasets);
    }
}

using VisionSearch.Contracts;

namespace VisionSearch.Silo.Grains;

/// <summary>
/// One build of a dataset. Its counters are written by the build's pool thread and read by grain turns,
/// hence the volatile and interlocked fields.
/// </summary>
internal sealed class BuildJob(BuildSpec spec, long total)
{
    private long _indexed;
    private long _skipped;
    private volatile string? _error;
    private long _finishedAtTicks;

    public BuildSpec Spec { get; } = spec;

    public long Total { get; } = total;

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    public long Indexed => Interlocked.Read(ref _indexed);

    public long Skipped => Interlocked.Read(ref _skipped);

    public string? Error => _error;

    public DateTimeOffset? FinishedAt =>
        Interlocked.Read(ref _finishedAtTicks) is var ticks and not 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    public bool IsRunning => FinishedAt is null;

    /// <summary>Counts one more indexed item; returns the new count.</summary>
    public long CountIndexed() => Interlocked.Increment(ref _indexed);

    public void CountSkipped() => Interlocked.Increment(ref _skipped);

    public void Finish(string? error)
    {
        _error = error;
        Interlocked.Exchange(ref _finishedAtTicks, DateTimeOffset.UtcNow.UtcTicks);
    }
}

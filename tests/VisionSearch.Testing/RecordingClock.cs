using System.Collections.Concurrent;

namespace VisionSearch.Testing;

/// <summary>
/// The system's clock, except that every wait is recorded and over at once: a retry's back-off is asserted to the
/// millisecond without the test spending it. (A fake clock would need the test to advance it while a real server
/// answers; here nothing waits.)
/// </summary>
public sealed class RecordingClock : TimeProvider
{
    public ConcurrentQueue<TimeSpan> Waits { get; } = new();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Waits.Enqueue(dueTime);
        return System.CreateTimer(callback, state, TimeSpan.Zero, period);
    }
}

using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using VisionSearch.Datasets;
using VisionSearch.Silo.Ingestion;

namespace VisionSearch.Silo.Tests;

/// <summary>
/// How a build groups what its source reads: a batch closes at its kind's size, at the byte budget, or a window after
/// its first entry when the source is slow, and never before. The window runs on a fake clock, so "not yet" and "now"
/// are exact instead of a sleep that hopes to land between them.
/// </summary>
public sealed class EntryBatcherTests
{
    private static readonly IngestionOptions Options = new() { BatchSize = 3, VectorBatchSize = 5, MaxBatchBytes = 1000, BatchWindow = TimeSpan.FromSeconds(2) };

    [Fact]
    public async Task A_source_that_keeps_up_fills_each_batch_to_its_kinds_size_without_waiting_for_the_window()
    {
        var source = await TextsThenVectorsAsync(7, 12);

        // The clock never moves: every batch but the last closed on its size, the last when the source ended.
        var batches = await ReadAllAsync(source, new FakeTimeProvider());

        Assert.Equal([3, 3, 3, 5, 5], batches.Select(b => b.Entries.Count));
        Assert.Equal(Enumerable.Range(0, 19).Select(i => $"item{i}"), batches.SelectMany(b => b.Entries).Select(e => e.Id));
        Assert.All(batches, b => Assert.Equal(b.Entries[^1].Cursor, b.Cursor));
    }

    [Fact]
    public async Task Images_close_a_batch_once_their_bytes_reach_the_budget()
    {
        var source = new FedSource();
        foreach (var (i, bytes) in new[] { (0, 400), (1, 700), (2, 10), (3, 10) })
        {
            await source.WriteAsync(new DatasetItem($"item{i}", ItemKind.Image, $"c{i}") { Bytes = new byte[bytes] });
        }

        source.End();

        var batches = await ReadAllAsync(source, new FakeTimeProvider());

        Assert.Equal([2, 2], batches.Select(b => b.Entries.Count));
    }

    [Fact]
    public async Task A_slow_source_gets_its_batch_closed_the_window_after_its_first_entry_and_not_before()
    {
        var time = new WindowClock();
        var source = new FedSource();
        await using var batches = EntryBatcher.ReadAsync(source, null, null, Options, time, TestContext.Current.CancellationToken).GetAsyncEnumerator();
        var next = batches.MoveNextAsync().AsTask();

        await source.WriteAsync(Text(0));
        await time.Opened.WaitAsync(TestContext.Current.CancellationToken);
        time.Advance(Options.BatchWindow - TimeSpan.FromMilliseconds(1));
        await source.WriteAsync(Text(1));
        await AssertPendingAsync(next);

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(["item0", "item1"], batches.Current.Entries.Select(e => e.Id));

        // The next batch's window starts at its own first entry.
        next = batches.MoveNextAsync().AsTask();
        await source.WriteAsync(Text(2));
        await time.Opened.WaitAsync(TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(1));
        await AssertPendingAsync(next);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(["item2"], batches.Current.Entries.Select(e => e.Id));
    }

    [Fact]
    public async Task Images_and_texts_take_the_size_asked_as_each_batch_opens_and_vectors_keep_theirs()
    {
        var source = await TextsThenVectorsAsync(12, 6);

        // The size a build asks for grows once its batches come whole from the embedding cache.
        var sizes = new Queue<int>([2, 6, 1]);
        var batches = new List<EntryBatch>();
        await foreach (var batch in EntryBatcher.ReadAsync(
            source, null, null, Options, new FakeTimeProvider(), () => sizes.Count > 1 ? sizes.Dequeue() : sizes.Peek(), TestContext.Current.CancellationToken))
        {
            batches.Add(batch);
        }

        Assert.Equal([2, 6, 1, 1, 1, 1, 5, 1], batches.Select(b => b.Entries.Count));
        Assert.Equal(Enumerable.Range(0, 18).Select(i => $"item{i}"), batches.SelectMany(b => b.Entries).Select(e => e.Id));
    }

    [Fact]
    public async Task A_read_failure_ends_the_batches_with_it_after_what_was_read_before()
    {
        var source = new FedSource();
        await source.WriteAsync(Text(0));
        source.End(new DatasetException("The file was truncated."));

        var read = new List<EntryBatch>();
        var error = await Assert.ThrowsAsync<DatasetException>(async () =>
        {
            await foreach (var batch in EntryBatcher.ReadAsync(source, null, null, Options, new FakeTimeProvider(), TestContext.Current.CancellationToken))
            {
                read.Add(batch);
            }
        });

        Assert.Equal("The file was truncated.", error.Message);
        Assert.Equal(["item0"], read.SelectMany(b => b.Entries).Select(e => e.Id));
    }

    /// <summary>A source that has read <paramref name="texts"/> texts, then <paramref name="vectors"/> vectors, and ended.</summary>
    private static async Task<FedSource> TextsThenVectorsAsync(int texts, int vectors)
    {
        var source = new FedSource();
        for (var i = 0; i < texts + vectors; i++)
        {
            await source.WriteAsync(i < texts ? Text(i) : Vector(i));
        }

        source.End();
        return source;
    }

    private static async Task<List<EntryBatch>> ReadAllAsync(IDatasetSource source, TimeProvider time)
    {
        var batches = new List<EntryBatch>();
        await foreach (var batch in EntryBatcher.ReadAsync(source, null, null, Options, time, TestContext.Current.CancellationToken))
        {
            batches.Add(batch);
        }

        return batches;
    }

    /// <summary>
    /// Nothing but the clock can close the batch, so a batch that comes anyway comes at once: a short real wait shows
    /// it (this is the one thing a fake clock cannot await, an event that must not happen).
    /// </summary>
    private static async Task AssertPendingAsync(Task<bool> next)
    {
        await Task.WhenAny(next, Task.Delay(TimeSpan.FromMilliseconds(200), TestContext.Current.CancellationToken));
        Assert.False(next.IsCompleted, "the batch closed before its window ended");
    }

    private static DatasetItem Text(int i) => new($"item{i}", ItemKind.Text, $"c{i}") { Text = $"text {i}" };

    private static DatasetItem Vector(int i) => new($"item{i}", ItemKind.Vector, $"c{i}") { Vector = [i, 1] };

    /// <summary>A fake clock that says when a batch starts waiting out a whole window: its first entry is in, its clock started.</summary>
    private sealed class WindowClock : FakeTimeProvider
    {
        public SemaphoreSlim Opened { get; } = new(0);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime == Options.BatchWindow)
            {
                Opened.Release();
            }

            return base.CreateTimer(callback, state, dueTime, period);
        }
    }

    /// <summary>A source the test feeds one entry at a time, as a slow reader (a network, a big image) would.</summary>
    private sealed class FedSource : IDatasetSource
    {
        private readonly Channel<DatasetEntry> _entries = Channel.CreateUnbounded<DatasetEntry>();

        public string Description => "fed by the test";

        public ValueTask WriteAsync(DatasetItem item) => _entries.Writer.WriteAsync(DatasetEntry.Of(item));

        public void End(Exception? error = null) => _entries.Writer.Complete(error);

        public IAsyncEnumerable<DatasetEntry> ReadAsync(string? after = null, CancellationToken cancellationToken = default) =>
            _entries.Reader.ReadAllAsync(cancellationToken);
    }
}

using System.Collections.Concurrent;

namespace VisionSearch.Hnsw.Tests;

public sealed class HnswConcurrencyTests
{
    [Fact]
    public async Task Inserts_deletes_and_searches_at_once_end_with_exact_counts_and_a_searchable_graph()
    {
        // More than one page of nodes (16,384), so growth happens while searches run.
        var rows = HnswFixtures.Rows(20_000, seed: 21);
        using var index = new HnswIndex(new HnswOptions { Dimension = HnswFixtures.Dimension, EfConstruction = 64 });
        var deleted = new ConcurrentBag<int>();
        var searches = 0;
        using var done = new CancellationTokenSource();

        var writers = Enumerable.Range(0, 3).Select(w => Task.Run(() =>
        {
            for (var i = w; i < rows.Length; i += 3)
            {
                index.Add(i, rows[i]);
                if (i % 10 == 0 && index.Delete(i))
                {
                    deleted.Add(i);
                }
            }
        })).ToArray();
        var readers = Enumerable.Range(0, 2).Select(r => Task.Run(() =>
        {
            var random = new Random(r);
            while (!done.IsCancellationRequested)
            {
                var hits = index.Search(rows[random.Next(rows.Length)], 10, ef: 32);
                Assert.All(hits, h => Assert.InRange(h.Label, 0, rows.Length - 1));
                Interlocked.Increment(ref searches);
            }
        })).ToArray();

        await Task.WhenAll(writers);
        await done.CancelAsync();
        await Task.WhenAll(readers);

        Assert.Equal(rows.Length / 10, deleted.Count);
        Assert.Equal(rows.Length - deleted.Count, index.Count);
        Assert.True(searches > 0);
        var gone = deleted.ToHashSet();
        var live = Enumerable.Range(0, rows.Length).Where(i => !gone.Contains(i)).ToArray();
        Assert.All(live.Take(500), label => Assert.True(index.Contains(label)));
        var selfFound = live.Take(1000).Count(label => index.Search(rows[label], 1, ef: 64)[0].Label == label);
        Assert.True(selfFound >= 990, $"{selfFound} of 1000 live vectors are their own nearest neighbour");
    }
}

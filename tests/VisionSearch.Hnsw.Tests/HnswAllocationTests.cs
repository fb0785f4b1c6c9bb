namespace VisionSearch.Hnsw.Tests;

public sealed class HnswAllocationTests
{
    [Theory]
    [InlineData(Quantization.None)]
    [InlineData(Quantization.Sq8)]
    public void Searching_into_a_span_allocates_nothing(Quantization quantization)
    {
        var (rows, queries) = HnswFixtures.RowsAndQueries(2000, 20);
        using var index = HnswFixtures.Build(rows, quantization);
        var results = new Neighbor[10];
        foreach (var query in queries)
        {
            index.Search(query, results, ef: 40); // warm-up: contexts, heaps and visited marks reach their size
        }

        var found = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var query in queries)
        {
            found += index.Search(query, results, ef: 40);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(10 * queries.Length, found);
        Assert.Equal(0, allocated);
    }
}

namespace VisionSearch.Hnsw.Tests;

public sealed class HnswAllocationTests
{
    [Theory]
    [InlineData(Quantization.None)]
    [InlineData(Quantization.Sq8)]
    [InlineData(Quantization.RaBitQ)]
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

    [Theory]
    [InlineData(Quantization.None, HnswFixtures.Dimension * sizeof(float))]
    [InlineData(Quantization.Sq8, HnswFixtures.Dimension)] // int8 codes; the originals are in a file
    [InlineData(Quantization.RaBitQ, (64 / 8) + 16)] // 48 dimensions rotated into 64 bits, and four floats
    public void MemoryBytes_counts_vector_link_and_metadata_pages_upper_link_arenas_and_the_label_table(Quantization quantization, int vectorBytes)
    {
        const int M = 16;
        const long Nodes = 2 * 16_384; // 20,000 rows fill two pages of 16,384 nodes
        const long Arena = 4 << 20; // upper layers are carved from 4 MiB arenas
        var originals = Path.Combine(Path.GetTempPath(), $"originals-{Guid.NewGuid():N}");
        using (var empty = new HnswIndex(new HnswOptions { Dimension = HnswFixtures.Dimension, M = M }))
        {
            Assert.Equal(0, empty.MemoryBytes);
        }

        using var index = HnswFixtures.Build(HnswFixtures.Rows(20_000), quantization, originalsPath: quantization != Quantization.None ? originals : null);

        // Per node: its vector record, 2·M + 1 ints of layer-0 links, 16 bytes of metadata; 20,000 labels take 32,768
        // cells of 8 bytes (a power of two at most 0.8 full).
        var paged = (Nodes * (vectorBytes + ((2 * M) + 1) * sizeof(int) + 16)) + (32_768 * 8);
        var upper = index.MemoryBytes - paged;
        Assert.True(upper > 0 && upper % Arena == 0, $"{index.MemoryBytes} bytes: {paged} in pages and labels leaves {upper} for the upper links");
    }
}

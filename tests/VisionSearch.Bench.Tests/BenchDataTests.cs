using System.Security.Cryptography;
using VisionSearch.Bench;
using VisionSearch.Bench.Data;
using VisionSearch.Hnsw;
using VisionSearch.Testing;

namespace VisionSearch.Bench.Tests;

/// <summary>
/// The benchmark's data tools against the peer benchmark's C tools (gen.c, gt.c). The hashes were taken from
/// their output for the same arguments:
/// <c>gen --n 3000 --q 20 --dim 64 --clusters 50 --supers 5 --rank 8 --seed 7 --query-noise 1.3</c>, then
/// <c>gt --k 10 --scores</c> on it.
/// </summary>
public sealed class BenchDataTests : IDisposable
{
    private static readonly ClipLikeParameters Small = new() { Dimension = 64, Clusters = 50, SuperClusters = 5, Rank = 8, Seed = 7, QueryNoise = 1.3 };
    private readonly TempDirectory _folder = new();

    [Fact]
    public void Generated_vectors_equal_the_c_generators_byte_for_byte()
    {
        var summary = VectorSets.Generate(Small, 3000, _folder.File("base.fvecs"), 20, _folder.File("query.fvecs"), TextWriter.Null);

        Assert.Equal("6af831cdc7c2fab45cb03e3d40b3466081d3408b41a4f03c71c1074ccc683df0", Sha256(_folder.File("base.fvecs")));
        Assert.Equal("b3e0981c0a8a4f24f952d2b1b9b66e434f4f984c0d7f03a7530981976d9f37ce", Sha256(_folder.File("query.fvecs")));
        Assert.Contains("\"cluster_size_min\":6,\"cluster_size_max\":298,\"empty_clusters\":0", summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Generated_vectors_are_unit_length_and_queries_are_not_base_rows()
    {
        VectorSets.Generate(Small, 3000, _folder.File("base.fvecs"), 20, _folder.File("query.fvecs"), TextWriter.Null);
        var (vectors, dimension, count) = BenchRunner.ReadAll(_folder.File("base.fvecs"));
        var (queries, _, queryCount) = BenchRunner.ReadAll(_folder.File("query.fvecs"));

        Assert.Equal((64, 3000, 20), (dimension, count, queryCount));
        for (var i = 0; i < count; i++)
        {
            var row = vectors.AsSpan(i * dimension, dimension);
            Assert.Equal(1.0, Math.Sqrt(row.ToArray().Sum(x => (double)x * x)), 5);
        }

        for (var q = 0; q < queryCount; q++)
        {
            var query = queries.AsSpan(q * dimension, dimension).ToArray();
            Assert.DoesNotContain(Enumerable.Range(0, count), i => vectors.AsSpan(i * dimension, dimension).SequenceEqual(query));
        }
    }

    [Fact]
    public void Ground_truth_equals_the_c_tool_and_a_brute_force_search()
    {
        VectorSets.Generate(Small, 3000, _folder.File("base.fvecs"), 20, _folder.File("query.fvecs"), TextWriter.Null);

        var summary = GroundTruth.Compute(_folder.File("base.fvecs"), _folder.File("query.fvecs"), 10, _folder.File("gt.ivecs"), _folder.File("scores.fvecs"), TextWriter.Null);

        Assert.Equal("c13701197da01ca4dba31d36640241c7b248e573141087fcc875ccea02f55f6f", Sha256(_folder.File("gt.ivecs")));
        Assert.Equal("9f5d9a21b219bd12c3d49f549c6dc6da8297c6645634e332150d1e07b7cac504", Sha256(_folder.File("scores.fvecs")));
        Assert.Contains("\"mean_cos_top1\":0.8472", summary, StringComparison.Ordinal);

        var (vectors, dimension, count) = BenchRunner.ReadAll(_folder.File("base.fvecs"));
        var (queries, _, queryCount) = BenchRunner.ReadAll(_folder.File("query.fvecs"));
        var exact = new ExactIndex(dimension, Metric.InnerProduct, count);
        for (var i = 0; i < count; i++)
        {
            exact.Add(i, vectors.AsSpan(i * dimension, dimension));
        }

        var truth = ReadIvecs(_folder.File("gt.ivecs"));
        for (var q = 0; q < queryCount; q++)
        {
            var hits = exact.Search(queries.AsSpan(q * dimension, dimension), 10);
            Assert.Equal(hits.Select(h => h.Label), truth[q]);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    public void Search_threads_share_the_queries_so_that_each_is_searched_once(int threads)
    {
        VectorSets.Generate(Small, 500, _folder.File("base.fvecs"), 20, _folder.File("query.fvecs"), TextWriter.Null);
        var (vectors, dimension, count) = BenchRunner.ReadAll(_folder.File("base.fvecs"));
        var (queries, _, _) = BenchRunner.ReadAll(_folder.File("query.fvecs"));
        using var index = new HnswIndex(new HnswOptions { Dimension = dimension, Metric = Metric.InnerProduct });
        index.AddRange([.. Enumerable.Range(0, count)], vectors, 2);

        Assert.Equal(20, BenchRunner.SearchAll(index, queries, dimension, 10, 40, threads));
    }

    public void Dispose() => _folder.Dispose();

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private static int[][] ReadIvecs(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        var rows = new List<int[]>();
        while (reader.BaseStream.Position < reader.BaseStream.Length)
        {
            var width = reader.ReadInt32();
            rows.Add([.. Enumerable.Range(0, width).Select(_ => reader.ReadInt32())]);
        }

        return [.. rows];
    }
}

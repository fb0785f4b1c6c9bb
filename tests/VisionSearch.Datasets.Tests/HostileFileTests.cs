using System.Text;
using VisionSearch.Datasets.Folders;
using VisionSearch.Datasets.Parquet;
using VisionSearch.Datasets.Text;
using VisionSearch.Datasets.Vectors;
using VisionSearch.Testing;
using static VisionSearch.Datasets.Tests.DatasetReading;

namespace VisionSearch.Datasets.Tests;

/// <summary>
/// Files that claim more than a reader may hold: each is refused by what it claims, before anything is sized by it,
/// or reported as one failed item while reading goes on; nothing grows with the claim. Alone in their collection,
/// so that the process's allocation counter measures only what the reader under test allocates.
/// </summary>
[Collection(nameof(HostileFileTests))]
[CollectionDefinition(nameof(HostileFileTests), DisableParallelization = true)]
public sealed class HostileFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_parquet_footer_claiming_a_trillion_rows_is_refused_before_a_row_is_read()
    {
        var path = _dir.File("trillion.parquet");
        HostileFiles.ParquetClaiming(path, rows: 1_000_000_000_000, uncompressedBytes: 64, storedBytes: 64);
        var before = GC.GetTotalAllocatedBytes(precise: true);

        var error = await Assert.ThrowsAsync<DatasetException>(() => AllAsync(new ParquetSource(path)));

        Assert.Equal("location", error.Field);
        Assert.Contains("row group 0 claims 1,000,000,000,000 rows; at most 1,000,000 are read at once", error.Message, StringComparison.Ordinal);
        Assert.InRange(GC.GetTotalAllocatedBytes(precise: true) - before, 0, 16 << 20);
    }

    [Fact]
    public async Task A_parquet_row_group_claiming_4_gib_is_refused_and_one_claiming_more_than_the_file_is_corrupt()
    {
        var big = _dir.File("big.parquet");
        HostileFiles.ParquetClaiming(big, rows: 10, uncompressedBytes: 4L << 30, storedBytes: 64);
        var lying = _dir.File("lying.parquet");
        HostileFiles.ParquetClaiming(lying, rows: 10, uncompressedBytes: 64, storedBytes: 4L << 30);

        var tooBig = await Assert.ThrowsAsync<DatasetException>(() => AllAsync(new ParquetSource(big)));
        var corrupt = await Assert.ThrowsAsync<DatasetException>(() => AllAsync(new ParquetSource(lying)));

        Assert.Contains("claims 4,294,967,296 bytes in 'text'; at most 1,073,741,824 are held at once", tooBig.Message, StringComparison.Ordinal);
        Assert.Contains("claims 4,294,967,296 stored bytes in 'text', more than the file's", corrupt.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_parquet_limits_are_the_configured_ones()
    {
        var path = _dir.File("rows.parquet");
        await SyntheticParquet.WriteTextsAsync(path, [.. Enumerable.Range(0, 100).Select(i => $"text {i}")], rowGroupSize: 100);

        var error = await Assert.ThrowsAsync<DatasetException>(() => AllAsync(new ParquetSource(path, limits: new SourceLimits { MaxRowGroupRows = 50 })));

        Assert.Contains("claims 100 rows; at most 50", error.Message, StringComparison.Ordinal);
        Assert.Equal(100, (await AllAsync(new ParquetSource(path, limits: new SourceLimits { MaxRowGroupRows = 100 }))).Count);
    }

    [Theory]
    [InlineData("1000000000000", "truncated: its header promises 1000000000000 × 512 values")]
    [InlineData("99999999999999999", "truncated")] // rows × 2 KiB is past long's range
    [InlineData("-1", "is not two non-negative integers")]
    public void An_npy_header_claiming_more_rows_than_the_file_holds_is_refused(string rows, string reason)
    {
        var path = _dir.File("claims.npy");
        HostileFiles.NpyClaiming(path, rows, 512);
        Assert.Contains(reason, Assert.Throws<InvalidDataException>(() => VectorFile.Open(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deeply_nested_jsonl_line_is_one_failed_row_and_the_rest_is_read()
    {
        var path = _dir.File("deep.jsonl");
        await File.WriteAllLinesAsync(path, ["{\"text\": \"first\"}", HostileFiles.DeepJsonLine(100_000), "{\"text\": \"last\"}"]);

        var entries = await AllAsync(new TableTextSource(path, "text"));

        Assert.Equal(["first", null, "last"], entries.Select(e => e.Item?.Text));
        Assert.Contains("line 2 is not a JSON object", entries[1].Failure, StringComparison.Ordinal);
        Assert.Contains("depth", entries[1].Failure, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_line_longer_than_the_limit_is_skipped_without_being_held()
    {
        var path = _dir.File("long.txt");
        await File.WriteAllTextAsync(path, "short\n" + new string('x', 5_000_000) + "\r\nafter\n");
        var before = GC.GetTotalAllocatedBytes(precise: true);

        var entries = await AllAsync(new TextLinesSource(path, new SourceLimits { MaxItemBytes = 1024 }));

        Assert.Equal(["short", null, "after"], entries.Select(e => e.Item?.Text));
        Assert.Equal("line 2 is 5,000,001 bytes, longer than the 1,024-byte limit", entries[1].Failure);
        Assert.InRange(GC.GetTotalAllocatedBytes(precise: true) - before, 0, 2 << 20); // the 5 MB line was never held
    }

    [Fact]
    public async Task A_csv_record_with_an_unclosed_quote_costs_one_failed_row_not_the_memory_of_the_file()
    {
        var path = _dir.File("open.csv");
        var text = new StringBuilder("id,text\n1,fine\n2,\"never closed");
        text.Append('y', 3_000_000);
        await File.WriteAllTextAsync(path, text.ToString());

        var entries = await AllAsync(new TableTextSource(path, "text", new SourceLimits { MaxItemBytes = 4096 }));

        Assert.Equal(2, entries.Count);
        Assert.Equal("fine", entries[0].Item!.Text);
        Assert.Contains("longer than 4,096 characters (an unclosed quote?)", entries[1].Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_image_larger_than_the_limit_is_a_failed_item()
    {
        var folder = Directory.CreateDirectory(_dir.File("photos")).FullName;
        await File.WriteAllBytesAsync(Path.Combine(folder, "a.png"), Png);
        await File.WriteAllBytesAsync(Path.Combine(folder, "b.png"), new byte[30_000]);

        var entries = await AllAsync(new FolderSource(folder, limits: new SourceLimits { MaxItemBytes = 20_000 }));

        Assert.NotNull(entries[0].Item);
        Assert.Equal("b.png", entries[1].Id);
        Assert.Contains("the file is 30,000 bytes, larger than the 20,000-byte limit (Datasets:MaxItemBytes)", entries[1].Failure, StringComparison.Ordinal);
    }
}

using System.Buffers.Binary;
using System.Text;
using VisionSearch.Hnsw;
using VisionSearch.Silo.Grains;
using VisionSearch.Silo.Persistence;

namespace VisionSearch.Silo.Tests;

/// <summary>
/// The shard log record and the shard snapshot carry a format version: this build reads its own, reads what builds
/// before versions wrote (the same layout under the old magic), and refuses a newer version with a message saying so.
/// </summary>
public sealed class FormatVersionTests
{
    private static readonly ShardSpec Spec = new("Cosine", 4, 8, 40);
    private static readonly ShardBatch Batch = new([3, 7], ["cat.jpg", "dog.jpg"], [1, 0, 0, 0, 0, 1, 0, 0]);
    private static readonly ShardBatch WithDeletes = Batch with { Deleted = [2, 5] };

    [Fact]
    public void A_log_record_starts_with_its_magic_and_version_and_round_trips_with_its_deletes()
    {
        var record = LogRecord.Encode(Spec, WithDeletes);

        Assert.Equal("VSLR", Encoding.ASCII.GetString(record, 0, 4));
        Assert.Equal(2, BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(4)));
        var (spec, batch) = LogRecord.Decode(record);
        Assert.Equal(Spec, spec);
        Assert.Equal(Batch.Labels, batch.Labels);
        Assert.Equal(Batch.Ids, batch.Ids);
        Assert.Equal(Batch.Vectors, batch.Vectors);
        Assert.Equal([2, 5], batch.Deleted!);
        Assert.Null(LogRecord.Decode(LogRecord.Encode(Spec, Batch)).Batch.Deleted);
    }

    [Fact]
    public void Log_records_of_version_1_and_from_before_versions_still_decode()
    {
        var version1 = VersionOne(LogRecord.Encode(Spec, Batch));
        foreach (var record in new[] { version1, Legacy(version1, "VSGL") })
        {
            var (spec, batch) = LogRecord.Decode(record);

            Assert.Equal(Spec, spec);
            Assert.Equal(Batch.Ids, batch.Ids);
            Assert.Equal(Batch.Vectors, batch.Vectors);
            Assert.Null(batch.Deleted);
        }
    }

    [Fact]
    public void A_log_record_of_a_newer_version_or_another_format_is_refused_by_name()
    {
        var newer = LogRecord.Encode(Spec, Batch);
        BinaryPrimitives.WriteInt32LittleEndian(newer.AsSpan(4), 3);
        var other = LogRecord.Encode(Spec, Batch);
        other[0] = (byte)'X';

        Assert.Equal(
            "shard log record format version 3 is not supported: this build reads 1 to 2. Was it written by a newer VisionSearch?",
            Assert.Throws<InvalidDataException>(() => LogRecord.Decode(newer)).Message);
        Assert.StartsWith("Not a VisionSearch shard log record (magic 0x", Assert.Throws<InvalidDataException>(() => LogRecord.Decode(other)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shard_snapshot_carries_its_version_reads_the_unversioned_layout_and_refuses_a_newer_one()
    {
        using var index = new HnswIndex(new HnswOptions { Dimension = 4, Metric = Metric.Cosine, M = 8, EfConstruction = 40 });
        index.AddRange(Batch.Labels, Batch.Vectors, 1);
        string?[] ids = [null, null, null, "cat.jpg", null, null, null, "dog.jpg"];
        using var written = new MemoryStream();
        IndexShardGrain.WriteSnapshot(written, ids, index);
        var bytes = written.ToArray();

        Assert.Equal(("VSSI", 1), (Encoding.ASCII.GetString(bytes, 0, 4), BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4))));
        foreach (var snapshot in new[] { bytes, Legacy(bytes, "VSSH") })
        {
            var (readIds, readIndex) = IndexShardGrain.ReadSnapshot(new MemoryStream(snapshot));
            using (readIndex)
            {
                Assert.Equal(ids, readIds);
                Assert.Equal(7, readIndex.Search([0, 1, 0, 0], k: 1)[0].Label);
            }
        }

        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), 9);
        Assert.Contains("shard snapshot format version 9 is not supported", Assert.Throws<InvalidDataException>(() => IndexShardGrain.ReadSnapshot(new MemoryStream(bytes))).Message, StringComparison.Ordinal);
    }

    /// <summary>A version 2 record without deletes in version 1's layout: the version field says 1, and the empty delete list is not there.</summary>
    private static byte[] VersionOne(byte[] record)
    {
        var bytes = record[..^sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), 1);
        return bytes;
    }

    /// <summary>The bytes as a build before versions wrote them: the old magic, no version field, the rest the same.</summary>
    private static byte[] Legacy(byte[] versioned, string magic) => [.. Encoding.ASCII.GetBytes(magic), .. versioned.AsSpan(8)];
}

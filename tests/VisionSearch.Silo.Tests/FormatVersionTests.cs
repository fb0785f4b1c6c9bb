using System.Buffers.Binary;
using System.Text;
using VisionSearch.Hnsw;
using VisionSearch.Hnsw.Payloads;
using VisionSearch.Silo.Filtering;
using VisionSearch.Silo.Grains;
using VisionSearch.Silo.Persistence;

namespace VisionSearch.Silo.Tests;

/// <summary>
/// The shard log record and the shard snapshot carry a format version: this build reads its own, reads what builds
/// before versions wrote (the same layout under the old magic), and refuses a newer version with a message saying so.
/// </summary>
public sealed class FormatVersionTests
{
    private static readonly ShardSpec Spec = new(Metric.Cosine, 4, 8, 40);
    private static readonly ShardBatch Batch = new([3, 7], ["cat.jpg", "dog.jpg"], [1, 0, 0, 0, 0, 1, 0, 0]);
    private static readonly ShardBatch WithDeletes = Batch with { Deleted = [2, 5] };
    private static readonly ItemPayload[] Payloads = [new("image", """{"color":"red","n":[1,2]}"""), new("image", null)];

    [Fact]
    public void A_log_record_starts_with_its_magic_and_version_and_round_trips_with_its_deletes_and_payloads()
    {
        var record = LogRecord.Encode(Spec, WithDeletes with { Payloads = Payloads });

        Assert.Equal("VSLR", Encoding.ASCII.GetString(record, 0, 4));
        Assert.Equal(4, BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(4)));
        var (spec, batch) = LogRecord.Decode(record);
        Assert.Equal(Spec, spec);
        Assert.Equal(Batch.Labels, batch.Labels);
        Assert.Equal(Batch.Ids, batch.Ids);
        Assert.Equal(Batch.Vectors, batch.Vectors);
        Assert.Equal([2, 5], batch.Deleted!);
        Assert.Equal(Payloads, batch.Payloads!);
        Assert.Null(LogRecord.Decode(LogRecord.Encode(Spec, Batch)).Batch.Deleted);
        Assert.Null(LogRecord.Decode(LogRecord.Encode(Spec, Batch)).Batch.Payloads);
        var quantized = Spec with { Quantization = Quantization.RaBitQ };
        Assert.Equal(quantized, LogRecord.Decode(LogRecord.Encode(quantized, Batch)).Spec);
    }

    [Fact]
    public void Log_records_of_versions_1_to_3_and_from_before_versions_still_decode()
    {
        var version1 = Older(LogRecord.Encode(Spec, Batch), 1);
        foreach (var record in new[] { version1, Legacy(version1, "VSGL"), Older(LogRecord.Encode(Spec, Batch), 2), Older(LogRecord.Encode(Spec, Batch), 3) })
        {
            var (spec, batch) = LogRecord.Decode(record);

            Assert.Equal(Spec, spec);
            Assert.Equal(Batch.Ids, batch.Ids);
            Assert.Equal(Batch.Vectors, batch.Vectors);
            Assert.Null(batch.Deleted);
            Assert.Null(batch.Payloads);
        }
    }

    [Fact]
    public void A_log_record_of_a_newer_version_or_another_format_is_refused_by_name()
    {
        var newer = LogRecord.Encode(Spec, Batch);
        BinaryPrimitives.WriteInt32LittleEndian(newer.AsSpan(4), 5);
        var other = LogRecord.Encode(Spec, Batch);
        other[0] = (byte)'X';

        Assert.Equal(
            "shard log record format version 5 is not supported: this build reads 1 to 4. Was it written by a newer VisionSearch?",
            Assert.Throws<InvalidDataException>(() => LogRecord.Decode(newer)).Message);
        Assert.StartsWith("Not a VisionSearch shard log record (magic 0x", Assert.Throws<InvalidDataException>(() => LogRecord.Decode(other)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shard_snapshot_carries_its_version_and_payloads_reads_older_layouts_and_refuses_a_newer_one()
    {
        using var index = new HnswIndex(new HnswOptions { Dimension = 4, Metric = Metric.Cosine, M = 8, EfConstruction = 40 });
        index.AddRange(Batch.Labels, Batch.Vectors, 1);
        string?[] ids = [null, null, null, "cat.jpg", null, null, null, "dog.jpg"];
        using var payloads = new PayloadIndex<ItemPayload>();
        payloads.Set(3, Payloads[0], PayloadValues.Of("cat.jpg", Payloads[0]));
        payloads.Set(7, Payloads[1], PayloadValues.Of("dog.jpg", Payloads[1]));
        using var written = new MemoryStream();
        IndexShardGrain.WriteSnapshot(written, ids, payloads, index);
        var bytes = written.ToArray();

        Assert.Equal(("VSSI", 2), (Encoding.ASCII.GetString(bytes, 0, 4), BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4))));
        var (readIds, readPayloads, readIndex) = IndexShardGrain.ReadSnapshot(new MemoryStream(bytes));
        using (readIndex)
        {
            Assert.Equal(ids, readIds);
            Assert.Equal(new ItemPayload?[] { null, null, null, Payloads[0], null, null, null, Payloads[1] }, readPayloads);
            Assert.Equal(7, readIndex.Search([0, 1, 0, 0], k: 1)[0].Label);
        }

        var version1 = SnapshotVersionOne(ids, index);
        foreach (var snapshot in new[] { version1, Legacy(version1, "VSSH") })
        {
            var (oldIds, oldPayloads, oldIndex) = IndexShardGrain.ReadSnapshot(new MemoryStream(snapshot));
            using (oldIndex)
            {
                Assert.Equal(ids, oldIds);
                Assert.All(oldPayloads, Assert.Null);
                Assert.Equal(7, oldIndex.Search([0, 1, 0, 0], k: 1)[0].Label);
            }
        }

        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), 9);
        Assert.Contains("shard snapshot format version 9 is not supported", Assert.Throws<InvalidDataException>(() => IndexShardGrain.ReadSnapshot(new MemoryStream(bytes))).Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A record without deletes or payloads in an older layout: the version field says so, and what the older version
    /// lacks is cut from the end (version 3: the quantization's name, "none" after its length byte; version 2: the
    /// payload flag too; version 1: the empty delete list too).
    /// </summary>
    private static byte[] Older(byte[] record, int version)
    {
        var cut = (version < 4 ? 1 + "none".Length : 0) + (version < 3 ? sizeof(bool) : 0) + (version < 2 ? sizeof(int) : 0);
        var bytes = record[..^cut];
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), version);
        return bytes;
    }

    /// <summary>A shard snapshot in version 1's layout: ids without payloads, then the index.</summary>
    private static byte[] SnapshotVersionOne(string?[] ids, HnswIndex index)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Encoding.ASCII.GetBytes("VSSI"));
            writer.Write(1);
            writer.Write(ids.Length);
            foreach (var id in ids)
            {
                writer.Write(id is not null);
                if (id is not null)
                {
                    writer.Write(id);
                }
            }
        }

        index.WriteTo(stream);
        return stream.ToArray();
    }

    /// <summary>The bytes as a build before versions wrote them: the old magic, no version field, the rest the same.</summary>
    private static byte[] Legacy(byte[] versioned, string magic) => [.. Encoding.ASCII.GetBytes(magic), .. versioned.AsSpan(8)];
}

using System.IO.Hashing;
using StackExchange.Redis;

namespace VisionSearch.Silo.Persistence;

/// <summary>
/// A read-only stream over a snapshot's chunk keys, fetching the next chunk while the current one is read.
/// The last chunk is released only after the total length and checksum match the manifest, so a reader never
/// finishes on a snapshot that was damaged in Redis.
/// </summary>
internal sealed class ChunkReadStream : Stream
{
    private readonly IDatabase _db;
    private readonly string _owner;
    private readonly SnapshotManifest _manifest;
    private readonly XxHash64 _hash = new();
    private Task<RedisValue>? _next;
    private byte[] _chunk = [];
    private int _offset;
    private int _nextIndex;
    private long _fetched;

    public ChunkReadStream(IDatabase db, string owner, SnapshotManifest manifest)
    {
        _db = db;
        _owner = owner;
        _manifest = manifest;
        _next = Fetch(0);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _manifest.Length;

    public override long Position
    {
        get => _fetched - (_chunk.Length - _offset);
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_offset == _chunk.Length && !NextChunk())
        {
            return 0;
        }

        var n = Math.Min(buffer.Length, _chunk.Length - _offset);
        _chunk.AsSpan(_offset, n).CopyTo(buffer);
        _offset += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private bool NextChunk()
    {
        if (_next is null)
        {
            return false;
        }

        var index = _nextIndex - 1;
        var value = _next.GetAwaiter().GetResult();
        if (value.IsNull)
        {
            throw new InvalidDataException($"Snapshot {_manifest.Version} of '{_owner}' lost chunk {index} of {_manifest.ChunkCount}.");
        }

        _chunk = (byte[])value!;
        _offset = 0;
        _fetched += _chunk.Length;
        _hash.Append(_chunk);
        _next = _nextIndex < _manifest.ChunkCount ? Fetch(_nextIndex) : null;
        if (_next is null)
        {
            VerifyWhole();
        }

        return true;
    }

    private void VerifyWhole()
    {
        var checksum = _hash.GetCurrentHashAsUInt64();
        if (_fetched != _manifest.Length || checksum != _manifest.Checksum)
        {
            throw new InvalidDataException(
                $"Snapshot {_manifest.Version} of '{_owner}' is damaged: {_fetched} bytes with checksum {checksum:X16}, " +
                $"the manifest says {_manifest.Length} bytes with {_manifest.Checksum:X16}.");
        }
    }

    private Task<RedisValue> Fetch(int index)
    {
        _nextIndex = index + 1;
        return _db.StringGetAsync(RedisKeys.Chunk(_owner, _manifest.Version, index));
    }
}

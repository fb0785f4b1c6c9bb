using System.Buffers;
using System.IO.Hashing;
using StackExchange.Redis;

namespace VisionSearch.Silo.Persistence;

/// <summary>
/// A write-only stream that cuts what is written into fixed-size chunks and stores each under its own key,
/// keeping a few writes in flight. Runs on a background thread: waiting for Redis blocks the writer, which is
/// the back-pressure that keeps memory at <c>ChunkSize × WritesInFlight</c>.
/// </summary>
internal sealed class ChunkWriteStream(IDatabase db, string owner, long version, SnapshotOptions options) : Stream
{
    private readonly Queue<(Task Write, byte[] Buffer)> _inFlight = new();
    private readonly XxHash64 _hash = new();
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(options.ChunkSize);
    private int _filled;
    private long _length;

    public int ChunkCount { get; private set; }

    public ulong Checksum => _hash.GetCurrentHashAsUInt64();

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _length;

    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var n = Math.Min(buffer.Length, options.ChunkSize - _filled);
            buffer[..n].CopyTo(_buffer.AsSpan(_filled));
            _hash.Append(buffer[..n]);
            _filled += n;
            _length += n;
            buffer = buffer[n..];
            if (_filled == options.ChunkSize)
            {
                SendChunk();
            }
        }
    }

    /// <summary>Sends the last partial chunk and waits until every chunk is stored.</summary>
    public void Complete()
    {
        if (_filled > 0 || ChunkCount == 0)
        {
            SendChunk();
        }

        while (_inFlight.Count > 0)
        {
            WaitOldest();
        }
    }

    public override void Flush()
    {
        // Chunks are sent when full; Complete sends the rest. Flushing a partial chunk would change the layout.
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            while (_inFlight.TryDequeue(out var pending))
            {
                // Disposal after a failure: let the writes finish or fail before their buffers are reused.
                pending.Write.ContinueWith(static _ => { }, TaskScheduler.Default).Wait();
                ArrayPool<byte>.Shared.Return(pending.Buffer);
            }

            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }

        base.Dispose(disposing);
    }

    private void SendChunk()
    {
        if (_inFlight.Count >= options.WritesInFlight)
        {
            WaitOldest();
        }

        var key = RedisKeys.Chunk(owner, version, ChunkCount);
        var value = new ReadOnlyMemory<byte>(_buffer, 0, _filled);
        _inFlight.Enqueue((db.StringSetAsync(key, value), _buffer));
        ChunkCount++;
        _buffer = ArrayPool<byte>.Shared.Rent(options.ChunkSize);
        _filled = 0;
    }

    private void WaitOldest()
    {
        var (write, buffer) = _inFlight.Dequeue();
        try
        {
            write.GetAwaiter().GetResult();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

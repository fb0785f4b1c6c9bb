using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using StackExchange.Redis.Profiling;
using VisionSearch.Silo.Persistence;
using VisionSearch.Testing;

namespace VisionSearch.Silo.Tests;

/// <summary>The snapshot store against a real server; run once on redis-server (or Garnet where none is installed) and once on Garnet.</summary>
public abstract class SnapshotStoreTests : IAsyncLifetime
{
    private static readonly JsonSerializerOptions ManifestJson = new(JsonSerializerDefaults.Web);
    private readonly RedisServerFixture _redis;
    private readonly string _dataset = $"ds-{Guid.NewGuid():N}";
    private ConnectionMultiplexer _mux = null!;
    private SnapshotStore _store = null!;

    protected SnapshotStoreTests(RedisServerFixture redis) => _redis = redis;

    public async ValueTask InitializeAsync()
    {
        _mux = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString + ",allowAdmin=true");
        _store = new SnapshotStore(_mux, Options.Create(new SnapshotOptions { ChunkSize = 1024, WritesInFlight = 3 }),
            new RedisOutageRetry(Options.Create(new RedisOutageOptions()), NullLogger<RedisOutageRetry>.Instance, TimeProvider.System), NullLogger<SnapshotStore>.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        await _mux.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Snapshot_spanning_many_chunks_reads_back_byte_for_byte()
    {
        var payload = RandomBytes(10_000, seed: 1);
        var manifest = await _store.WriteAsync(_dataset, "{\"n\":1}", s => s.Write(payload));

        Assert.Equal((10, 10_000L), (manifest.ChunkCount, manifest.Length));
        var published = await _store.GetManifestAsync(_dataset);
        Assert.Equal(manifest, published);
        Assert.Equal(payload, await _store.ReadAsync(_dataset, published!, ReadAll));
    }

    [Fact]
    public async Task Empty_snapshot_round_trips()
    {
        var manifest = await _store.WriteAsync(_dataset, "{}", _ => { });
        Assert.Empty(await _store.ReadAsync(_dataset, manifest, ReadAll));
    }

    [Fact]
    public async Task New_snapshot_replaces_the_old_and_deletes_its_chunks()
    {
        var first = await _store.WriteAsync(_dataset, "{}", s => s.Write(RandomBytes(5000, 2)));
        var secondPayload = RandomBytes(2500, 3);
        var second = await _store.WriteAsync(_dataset, "{}", s => s.Write(secondPayload));

        Assert.True(second.Version > first.Version);
        Assert.Equal(second, await _store.GetManifestAsync(_dataset));
        Assert.Equal(second.ChunkCount, await CountChunkKeysAsync());
        Assert.Equal(secondPayload, await _store.ReadAsync(_dataset, second, ReadAll));
    }

    [Fact]
    public async Task Torn_write_leaves_the_last_snapshot_intact_and_is_swept_by_the_next()
    {
        var goodPayload = RandomBytes(3000, 4);
        var good = await _store.WriteAsync(_dataset, "{}", s => s.Write(goodPayload));

        var crash = await Assert.ThrowsAsync<IOException>(() => _store.WriteAsync(_dataset, "{}", s =>
        {
            s.Write(RandomBytes(6000, 5)); // six chunks reach Redis...
            throw new IOException("disk gone");  // ...then the writer dies before publishing
        }));
        Assert.Equal("disk gone", crash.Message);

        Assert.Equal(good, await _store.GetManifestAsync(_dataset));
        Assert.Equal(goodPayload, await _store.ReadAsync(_dataset, good, ReadAll));

        var next = await _store.WriteAsync(_dataset, "{}", s => s.Write(RandomBytes(1500, 6)));
        Assert.Equal(next.ChunkCount, await CountChunkKeysAsync());
    }

    [Fact]
    public async Task What_a_crash_left_between_publishing_and_deleting_goes_with_the_next_snapshot_and_no_key_is_scanned()
    {
        var db = _mux.GetDatabase();
        var replaced = await _store.WriteAsync(_dataset, "{}", s => s.Write(RandomBytes(2048, 8)));
        // A torn write (chunks 0-2 and 4 stored: chunk 3 was in flight), then a snapshot whose publication crashed
        // before it deleted anything: its manifest still names the oldest version that may hold chunks.
        var torn = await db.StringIncrementAsync(RedisKeys.VersionCounter(_dataset));
        foreach (var chunk in new[] { 0, 1, 2, 4 })
        {
            await db.StringSetAsync(RedisKeys.Chunk(_dataset, torn, chunk), RandomBytes(1024, chunk));
        }

        var crashed = await db.StringIncrementAsync(RedisKeys.VersionCounter(_dataset));
        await db.StringSetAsync(RedisKeys.Chunk(_dataset, crashed, 0), RandomBytes(100, 9));
        await db.StringSetAsync(RedisKeys.Manifest(_dataset), JsonSerializer.Serialize(
            new SnapshotManifest(crashed, 1, 100, 0, DateTimeOffset.UtcNow, "{}", StaleFrom: replaced.Version), ManifestJson));

        var session = new ProfilingSession();
        _mux.RegisterProfiler(() => session);
        var next = await _store.WriteAsync(_dataset, "{}", s => s.Write(RandomBytes(1500, 10)));
        _mux.RegisterProfiler(() => null);

        Assert.Equal(next.ChunkCount, await CountChunkKeysAsync());
        Assert.Null((await _store.GetManifestAsync(_dataset))!.StaleFrom);
        var commands = session.FinishProfiling().Select(c => c.Command).ToHashSet();
        Assert.Contains(commands, command => command is "DEL" or "UNLINK");
        Assert.DoesNotContain("SCAN", commands);
        Assert.DoesNotContain("KEYS", commands);
    }

    [Fact]
    public async Task Damaged_or_missing_chunk_is_detected_on_read()
    {
        var manifest = await _store.WriteAsync(_dataset, "{}", s => s.Write(RandomBytes(4096, 7)));
        var db = _mux.GetDatabase();
        var chunk = RedisKeys.Chunk(_dataset, manifest.Version, 2);

        var bytes = (byte[])(await db.StringGetAsync(chunk))!;
        bytes[100] ^= 1;
        await db.StringSetAsync(chunk, bytes);
        var damaged = await Assert.ThrowsAsync<InvalidDataException>(() => _store.ReadAsync(_dataset, manifest, ReadAll));
        Assert.Contains("damaged", damaged.Message);

        await db.KeyDeleteAsync(chunk);
        var lost = await Assert.ThrowsAsync<InvalidDataException>(() => _store.ReadAsync(_dataset, manifest, ReadAll));
        Assert.Contains("lost chunk 2", lost.Message);
    }

    private async Task<int> CountChunkKeysAsync()
    {
        var server = _mux.GetServer(_mux.GetEndPoints()[0]);
        var count = 0;
        await foreach (var _ in server.KeysAsync(pattern: RedisKeys.ChunkPrefix(_dataset) + "*"))
        {
            count++;
        }

        return count;
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}

public sealed class SnapshotStoreOnRedisTests(RedisServerFixture redis) : SnapshotStoreTests(redis), IClassFixture<RedisServerFixture>;

public sealed class SnapshotStoreOnGarnetTests(GarnetServerFixture garnet) : SnapshotStoreTests(garnet), IClassFixture<GarnetServerFixture>;

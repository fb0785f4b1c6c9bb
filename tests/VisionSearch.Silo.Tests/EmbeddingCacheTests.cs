using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using VisionSearch.Contracts;
using VisionSearch.Embeddings;
using VisionSearch.Silo.Persistence;
using VisionSearch.Testing;

namespace VisionSearch.Silo.Tests;

/// <summary>The Redis embedding cache against a real server: run once on redis-server (or Garnet where none is installed) and once on Garnet.</summary>
public abstract class EmbeddingCacheTests : IAsyncLifetime
{
    private const int Dimension = 512;
    private const long EntryBytes = (Dimension * sizeof(float)) + RedisEmbeddingCache.EntryOverhead;
    private readonly RedisServerFixture _redis;
    private readonly FakeTimeProvider _time = new();
    private readonly ServiceProvider _meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private ConnectionMultiplexer _mux = null!;

    protected EmbeddingCacheTests(RedisServerFixture redis) => _redis = redis;

    public async ValueTask InitializeAsync()
    {
        _mux = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString + ",allowAdmin=true");
        await _mux.GetServers()[0].FlushDatabaseAsync(); // the fixture's server is this class's alone
    }

    public async ValueTask DisposeAsync()
    {
        await _mux.DisposeAsync();
        await _meters.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Stored_vectors_read_back_bit_for_bit_and_every_lookup_is_counted()
    {
        var cache = Cache(maxBytes: 1 << 20);
        var vectors = Enumerable.Range(0, 3).Select(Vector).ToArray();
        await cache.SetAsync(["a", "b", "c"], vectors);

        var found = await cache.GetAsync(["c", "x", "a", "b", "y"]);

        Assert.Equal([vectors[2], null, vectors[0], vectors[1], null], found);
        Assert.Equal(new EmbeddingCacheStatus(3, 3 * EntryBytes, 1 << 20, Hits: 3, Misses: 2), await cache.StatusAsync());
    }

    [Fact]
    public async Task The_budget_holds_and_the_least_recently_used_go_first()
    {
        var cache = Cache(maxBytes: 10 * EntryBytes);
        for (var i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(1));
            await cache.SetAsync([$"k{i}"], [Vector(i)]);
        }

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.All(await cache.GetAsync(["k0", "k1", "k2"]), Assert.NotNull); // used again: now the most recent
        for (var i = 10; i < 15; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(1));
            await cache.SetAsync([$"k{i}"], [Vector(i)]);
        }

        var status = await cache.StatusAsync();
        Assert.Equal((10L, 10 * EntryBytes), (status.Entries, status.Bytes));
        var held = await cache.GetAsync([.. Enumerable.Range(0, 15).Select(i => $"k{i}")]);
        Assert.Equal(
            [0, 1, 2, 8, 9, 10, 11, 12, 13, 14],
            Enumerable.Range(0, 15).Where(i => held[i] is not null));
        Assert.Equal(10 * EntryBytes, await KeyBytesAsync()); // the counter is what the vectors' keys hold, not an estimate drifting away
    }

    [Fact]
    public async Task A_batch_larger_than_the_budget_keeps_what_fits_and_storing_a_vector_again_costs_nothing()
    {
        var cache = Cache(maxBytes: 4 * EntryBytes);
        await cache.SetAsync([.. Enumerable.Range(0, 6).Select(i => $"k{i}")], [.. Enumerable.Range(0, 6).Select(Vector)]);
        await cache.SetAsync(["k5"], [Vector(5)]);

        var status = await cache.StatusAsync();
        Assert.Equal((4L, 4 * EntryBytes), (status.Entries, status.Bytes));
        Assert.Equal(4 * EntryBytes, await KeyBytesAsync());
    }

    [Fact]
    public async Task A_lowered_budget_is_reached_over_several_stores_each_evicting_a_bounded_number()
    {
        await Cache(maxBytes: 1L << 30).SetAsync([.. Enumerable.Range(0, 1_100).Select(i => $"k{i}")], [.. Enumerable.Range(0, 1_100).Select(Vector)]);
        var lowered = Cache(maxBytes: 10 * EntryBytes);

        await lowered.SetAsync(["a"], [Vector(-1)]);
        Assert.Equal(1_101L - 1_002, (await lowered.StatusAsync()).Entries); // 1,000 + twice the one stored
        await lowered.SetAsync(["b"], [Vector(-2)]);
        var status = await lowered.StatusAsync();
        Assert.Equal((10L, 10 * EntryBytes), (status.Entries, status.Bytes));
        Assert.Equal(10 * EntryBytes, await KeyBytesAsync());
    }

    [Fact]
    public async Task Without_a_server_lookups_miss_and_stores_are_dropped()
    {
        await using var nowhere = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{VisionSearch.LocalServers.FreePort.Next()},abortConnect=false,connectTimeout=200,syncTimeout=500,asyncTimeout=500");
        var cache = new RedisEmbeddingCache(
            nowhere, Options.Create(new EmbeddingCacheOptions()), new EmbeddingInstruments(_meters.GetRequiredService<IMeterFactory>()), _time,
            NullLogger<RedisEmbeddingCache>.Instance);

        Assert.Equal([null, null], await cache.GetAsync(["a", "b"]));
        await cache.SetAsync(["a"], [Vector(1)]);
    }

    private RedisEmbeddingCache Cache(long maxBytes) => new(
        _mux, Options.Create(new EmbeddingCacheOptions { MaxBytes = maxBytes }), new EmbeddingInstruments(_meters.GetRequiredService<IMeterFactory>()), _time,
        NullLogger<RedisEmbeddingCache>.Instance);

    /// <summary>What the cached vectors' own keys hold in Redis, with the overhead each entry is charged.</summary>
    private async Task<long> KeyBytesAsync()
    {
        var total = 0L;
        await foreach (var key in _mux.GetServers()[0].KeysAsync(pattern: RedisKeys.CachedVectorPrefix + "*"))
        {
            total += await _mux.GetDatabase().StringLengthAsync(key) + RedisEmbeddingCache.EntryOverhead;
        }

        return total;
    }

    private static float[] Vector(int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, Dimension).Select(_ => (float)random.NextDouble() - 0.5f)];
    }
}

public sealed class EmbeddingCacheOnRedisTests(RedisServerFixture redis) : EmbeddingCacheTests(redis), IClassFixture<RedisServerFixture>;

public sealed class EmbeddingCacheOnGarnetTests(GarnetServerFixture garnet) : EmbeddingCacheTests(garnet), IClassFixture<GarnetServerFixture>;

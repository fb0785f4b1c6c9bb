using StackExchange.Redis;
using VisionSearch.Silo.Grains;

namespace VisionSearch.Silo.Persistence;

/// <summary>
/// The items a shard indexed since its last snapshot, one Redis string per appended batch under consecutive
/// sequence numbers (a stream would do, but Garnet has none). Appending is a SET of a fixed key, so a retry
/// after a lost reply is harmless; replay reads upward from the snapshot's sequence until a key is missing.
/// </summary>
public sealed class ShardLog(IConnectionMultiplexer redis, RedisOutageRetry retry)
{
    public Task AppendAsync(string owner, long sequence, ShardSpec spec, ShardBatch batch, CancellationToken cancellationToken = default)
    {
        var record = LogRecord.Encode(spec, batch);
        return retry.RunAsync(() => redis.GetDatabase().StringSetAsync(RedisKeys.Log(owner, sequence), record), "log append", cancellationToken);
    }

    /// <summary>The records after <paramref name="after"/>, in order, with their sequence numbers.</summary>
    public async IAsyncEnumerable<(long Sequence, ShardSpec Spec, ShardBatch Batch)> ReadAsync(string owner, long after)
    {
        var db = redis.GetDatabase();
        for (var sequence = after + 1; ; sequence++)
        {
            var value = await retry.RunAsync(() => db.StringGetAsync(RedisKeys.Log(owner, sequence)), "log replay");
            if (value.IsNull)
            {
                yield break;
            }

            var (spec, batch) = LogRecord.Decode((byte[])value!);
            yield return (sequence, spec, batch);
        }
    }

    /// <summary>Deletes records <paramref name="first"/> to <paramref name="last"/>, which a published snapshot now holds.</summary>
    public async Task TrimAsync(string owner, long first, long last)
    {
        var db = redis.GetDatabase();
        for (var from = first; from <= last; from += 256)
        {
            var keys = new RedisKey[(int)Math.Min(256, last - from + 1)];
            for (var i = 0; i < keys.Length; i++)
            {
                keys[i] = RedisKeys.Log(owner, from + i);
            }

            await retry.RunAsync(() => db.KeyDeleteAsync(keys), "log trim");
        }
    }
}

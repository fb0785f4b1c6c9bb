using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using VisionSearch.Silo.Persistence;

namespace VisionSearch.Silo.Tests;

/// <summary>
/// Every silo Redis call waits out an outage: a transient failure (no connection, a timeout, a server still loading) is
/// tried again after 0.1 s, 0.2 s, 0.4 s... up to 5 s apart, while the next attempt starts within the tolerance; any
/// other error is the caller's at once. Time is a fake clock advanced in 50 ms steps, so each attempt's time is exact.
/// </summary>
public sealed class RedisOutageRetryTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(50);

    public static TheoryData<string> Transient() => ["no connection", "timeout", "loading"];

    [Theory]
    [MemberData(nameof(Transient))]
    public async Task A_transient_failure_is_tried_again_with_doubling_back_off_until_it_succeeds(string fault)
    {
        var (result, attempts) = await RunAsync(TimeSpan.FromMinutes(2), attempt => attempt <= 3 ? throw Fault(fault) : Task.FromResult("done"));

        Assert.Equal("done", result);
        Assert.Equal([0, 0.1, 0.3, 0.7], attempts);
    }

    [Fact]
    public async Task An_error_of_the_command_itself_is_not_tried_again()
    {
        var attempts = 0;
        var error = await Assert.ThrowsAsync<RedisServerException>(() => RunAsync<string>(TimeSpan.FromMinutes(2), _ =>
        {
            attempts++;
            throw new RedisServerException("WRONGTYPE Operation against a key holding the wrong kind of value");
        }));

        Assert.Equal(1, attempts);
        Assert.StartsWith("WRONGTYPE", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_outage_longer_than_the_tolerance_fails_the_call_with_redis_error_once_no_attempt_fits()
    {
        var attempts = new List<double>();
        await Assert.ThrowsAsync<RedisConnectionException>(() => RunAsync<string>(TimeSpan.FromSeconds(10), _ => throw Fault("no connection"), attempts));

        // Back-off 0.1, 0.2, 0.4, 0.8, 1.6, 3.2 s; the next (5 s, capped) would start at 11.3 s, past the 10 s tolerance.
        Assert.Equal([0, 0.1, 0.3, 0.7, 1.5, 3.1, 6.3], attempts);
    }

    [Fact]
    public void The_back_off_doubles_from_a_tenth_of_a_second_and_stays_at_five_seconds() =>
        Assert.Equal([0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5, 5, 5], Enumerable.Range(0, 8).Append(int.MaxValue).Select(r => RedisOutageRetry.DelayBefore(r).TotalSeconds));

    private static Exception Fault(string kind) => kind switch
    {
        "no connection" => new RedisConnectionException(ConnectionFailureType.UnableToConnect, "It was not possible to connect to the redis server(s)"),
        "timeout" => new RedisTimeoutException("Timeout performing SET", CommandStatus.Sent),
        _ => new RedisServerException("LOADING Redis is loading the dataset in memory"),
    };

    /// <summary>Runs the operation (given its attempt number, from 1) through the retry; records each attempt's second on the fake clock.</summary>
    private static async Task<(T Result, List<double> Attempts)> RunAsync<T>(TimeSpan tolerance, Func<int, Task<T>> operation, List<double>? attempts = null)
    {
        attempts ??= [];
        var time = new FakeTimeProvider();
        var started = time.GetTimestamp();
        var retry = new RedisOutageRetry(Options.Create(new RedisOutageOptions { OutageTolerance = tolerance }), NullLogger<RedisOutageRetry>.Instance, time);
        var run = retry.RunAsync(() =>
        {
            attempts.Add(Math.Round(time.GetElapsedTime(started).TotalSeconds, 3));
            return operation(attempts.Count);
        }, "test");
        while (!run.IsCompleted)
        {
            time.Advance(Step);
            await Task.Yield();
        }

        return (await run, attempts);
    }
}

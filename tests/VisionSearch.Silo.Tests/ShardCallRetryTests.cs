using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using VisionSearch.Silo.Grains;

namespace VisionSearch.Silo.Tests;

/// <summary>
/// A build's shard calls are tried again when Orleans could not deliver or answer them (the shard's silo died, or its
/// activation elsewhere outlasted the response timeout), and never for an error of the call itself. Time is a fake
/// clock, advanced until the call ends, so the back-off costs the test nothing.
/// </summary>
public sealed class ShardCallRetryTests
{
    public static TheoryData<string> Undelivered() => ["timeout", "silo unavailable"];

    [Theory]
    [MemberData(nameof(Undelivered))]
    public async Task A_call_orleans_could_not_deliver_or_answer_is_tried_again_until_it_succeeds(string fault)
    {
        var calls = 0;
        var result = await RunAsync(() => ++calls <= 2 ? throw Fault(fault) : Task.FromResult(calls));

        Assert.Equal((3, 3), (result, calls));
    }

    [Fact]
    public async Task An_error_of_the_call_itself_is_not_tried_again()
    {
        var calls = 0;
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => RunAsync<int>(() =>
        {
            calls++;
            throw new InvalidOperationException("dimension mismatch");
        }));

        Assert.Equal(("dimension mismatch", 1), (error.Message, calls));
    }

    [Fact]
    public async Task A_shard_that_never_answers_fails_the_call_after_the_last_retry()
    {
        var calls = 0;
        await Assert.ThrowsAsync<TimeoutException>(() => RunAsync<int>(() =>
        {
            calls++;
            throw new TimeoutException("Response did not arrive on time");
        }));

        Assert.Equal(ShardCallRetry.MaxRetries + 1, calls);
    }

    private static Exception Fault(string kind) => kind == "timeout"
        ? new TimeoutException("Response did not arrive on time in 00:00:30")
        : new SiloUnavailableException("The target silo became unavailable"); // an OrleansMessageRejectionException

    private static async Task<T> RunAsync<T>(Func<Task<T>> call)
    {
        var time = new FakeTimeProvider();
        var pipeline = ShardCallRetry.Pipeline(NullLogger.Instance, time);
        var run = pipeline.ExecuteAsync(async _ => await call()).AsTask();
        while (!run.IsCompleted)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Yield();
        }

        return await run;
    }
}

using System.Net;
using Polly;
using VisionSearch.Testing;

namespace VisionSearch.Aws.Tests;

/// <summary>
/// AWS's standard retry mode as botocore and AWSSDK.Core define it: throttling, 5xx, timeouts and dropped connections
/// are tried again up to the attempt limit, each after a wait drawn uniformly from zero to min(base · 2^(n-1), max)
/// ("full jitter"); client errors are not retried. The clock records each wait instead of waiting it.
/// </summary>
public sealed class AwsRetryPolicyTests
{
    private static readonly AwsRetryPolicy Policy = new() { MaxAttempts = 5, BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(3) };

    public static TheoryData<string> Transient() => ["throttled", "503", "timeout", "no answer"];

    [Theory]
    [MemberData(nameof(Transient))]
    public async Task A_transient_failure_is_retried_up_to_the_attempt_limit_with_waits_under_the_doubling_cap(string fault)
    {
        var clock = new RecordingClock();
        var retries = new List<(int Retry, TimeSpan Delay)>();
        var attempts = 0;

        await Assert.ThrowsAnyAsync<Exception>(() => Policy.Build((_, retry, _, delay) => retries.Add((retry, delay)), clock)
            .ExecuteAsync(_ =>
            {
                attempts++;
                throw Fault(fault);
            }).AsTask());

        Assert.Equal(5, attempts);
        Assert.Equal([1, 2, 3, 4], retries.Select(r => r.Retry));
        Assert.All(retries.Zip([1.0, 2, 3, 3]), r => Assert.InRange(r.First.Delay.TotalSeconds, 0, r.Second));

        // Each delay reported is the one waited. The timer takes whole milliseconds, so a draw under 1 ms (full jitter
        // allows it) completes without a timer and a longer one is cut to the millisecond.
        var timed = retries.Select(r => r.Delay).Where(d => d >= TimeSpan.FromMilliseconds(1)).ToList();
        Assert.Equal(timed.Count, clock.Waits.Count);
        Assert.All(timed.Zip(clock.Waits), r => Assert.InRange((r.First - r.Second).TotalMilliseconds, 0, 1));
    }

    [Fact]
    public async Task A_call_that_succeeds_after_a_throttle_returns_its_answer()
    {
        var attempts = 0;
        var answer = await Policy.Build(time: new RecordingClock()).ExecuteAsync(_ => ++attempts < 3 ? throw Fault("throttled") : ValueTask.FromResult("ok"));

        Assert.Equal(("ok", 3), (answer, attempts));
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, "ValidationError")]
    [InlineData(HttpStatusCode.FailedDependency, "ModelError")]
    [InlineData(HttpStatusCode.Forbidden, "AccessDeniedException")]
    public async Task A_client_error_fails_at_once(HttpStatusCode status, string code)
    {
        var clock = new RecordingClock();
        var attempts = 0;

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => Policy.Build(time: clock).ExecuteAsync(_ =>
        {
            attempts++;
            throw new AwsServiceException(status, code, "refused");
        }).AsTask());

        Assert.Equal((code, 1), (error.Code, attempts));
        Assert.Empty(clock.Waits);
    }

    [Fact]
    public void The_first_retrys_wait_is_spread_over_zero_to_the_base_delay()
    {
        // Full jitter: uniform on [0, 1 s). In 200 draws, one below 0.1 s and one above 0.9 s are all but certain
        // (each missing with probability 0.9^200), and none may pass the cap.
        var draws = Enumerable.Range(0, 200).Select(_ => Policy.Delay(1).TotalSeconds).ToList();

        Assert.All(draws, d => Assert.InRange(d, 0, 1));
        Assert.Contains(draws, d => d < 0.1);
        Assert.Contains(draws, d => d > 0.9);
    }

    private static Exception Fault(string fault) => fault switch
    {
        "throttled" => new AwsServiceException(HttpStatusCode.BadRequest, "ThrottlingException", "Rate exceeded"),
        "503" => new AwsServiceException(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "try later"),
        "timeout" => new TimeoutException("The attempt timed out."),
        _ => new HttpRequestException("Connection refused"),
    };
}

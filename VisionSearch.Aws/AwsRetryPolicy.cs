using System.Net;
using Polly;
using Polly.Retry;

namespace VisionSearch.Aws;

/// <summary>
/// AWS's standard retry mode (botocore retries/standard.py, AWSSDK.Core's default): a failed attempt is
/// tried again after <c>rand(0,1) · min(BaseDelay · 2^(n-1), MaxDelay)</c> when it was throttled (any
/// 429, or a throttling code on a 400), a 5xx, a timeout or a dropped connection; never for a client error
/// such as ValidationError or a model's own error (424), which would fail the same way again. Run as a Polly
/// pipeline (<see cref="Build"/>) on the caller's clock.
/// </summary>
public sealed class AwsRetryPolicy
{
    private static readonly HashSet<string> TransientCodes = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "EC2ThrottledException",
        "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete",
    };

    /// <summary>Attempts in all, the first included.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>The cap of the first retry's delay; it doubles with each retry.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The cap of any one delay.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(20);

    public static bool IsRetryable(Exception exception) => exception switch
    {
        AwsServiceException e => (int)e.StatusCode >= 500 || e.StatusCode == HttpStatusCode.TooManyRequests || TransientCodes.Contains(e.Code),
        HttpRequestException { StatusCode: null } => true, // no answer: refused, reset, DNS
        TimeoutException => true,
        _ => false,
    };

    /// <summary>The jittered wait before retry number <paramref name="retry"/> (1 for the first).</summary>
    public TimeSpan Delay(int retry)
    {
        var cap = Math.Min(BaseDelay.TotalMilliseconds * Math.Pow(2, retry - 1), MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * cap);
    }

    /// <summary>
    /// The pipeline that runs an AWS call with these retries; <paramref name="onRetry"/> hears of each retry (its number,
    /// 1 for the first, the error and the delay) with the call's context, and the delays run on <paramref name="time"/>.
    /// </summary>
    public ResiliencePipeline Build(Action<ResilienceContext, int, Exception, TimeSpan>? onRetry = null, TimeProvider? time = null)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = time ?? TimeProvider.System };
        if (MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } e && IsRetryable(e) && !args.Context.CancellationToken.IsCancellationRequested),
                MaxRetryAttempts = MaxAttempts - 1,
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(Delay(args.AttemptNumber + 1)),
                OnRetry = args =>
                {
                    onRetry?.Invoke(args.Context, args.AttemptNumber + 1, args.Outcome.Exception!, args.RetryDelay);
                    return default;
                },
            });
        }

        return builder.Build();
    }
}

using System.Net;

namespace VisionSearch.Aws;

/// <summary>
/// AWS's standard retry mode (botocore retries/standard.py, AWSSDK.Core's default): a failed attempt is
/// tried again after <c>rand(0,1) · min(BaseDelay · 2^(n-1), MaxDelay)</c> when it was throttled (any
/// 429, or a throttling code on a 400), a 5xx, a timeout or a dropped connection; never for a client error
/// such as ValidationError or a model's own error (424), which would fail the same way again.
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

    /// <summary>Runs <paramref name="attempt"/> until it succeeds, fails for good, or runs out of attempts; <paramref name="onRetry"/> hears of each retry.</summary>
    public async Task<T> ExecuteAsync<T>(
        Func<CancellationToken, Task<T>> attempt, Action<int, Exception, TimeSpan>? onRetry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        for (var retry = 1; ; retry++)
        {
            try
            {
                return await attempt(cancellationToken);
            }
            catch (Exception e) when (retry < MaxAttempts && IsRetryable(e) && !cancellationToken.IsCancellationRequested)
            {
                var delay = Delay(retry);
                onRetry?.Invoke(retry, e, delay);
                await Task.Delay(delay, cancellationToken);
            }
        }
    }
}

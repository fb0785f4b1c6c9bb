using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Polly;
using Polly.Retry;

namespace VisionSearch.Silo.Grains;

/// <summary>
/// How a build calls its shards: a call that Orleans could not deliver or answer in time is tried again. When a silo
/// dies, its shards activate on a surviving one on their next call, and that activation (the snapshot loaded, the log
/// replayed under search load) can outlast Orleans' response timeout; failing the build then would throw away a build
/// that carries on fine a moment later. The calls retried are idempotent: a batch appended twice gives its labels the
/// same vectors again, and completing a shard twice snapshots it twice.
/// </summary>
internal static partial class ShardCallRetry
{
    /// <summary>Attempts after the first: with Orleans' 30 s response timeout and the back-off, about six minutes in all.</summary>
    public const int MaxRetries = 12;

    public static ResiliencePipeline Pipeline(ILogger logger, TimeProvider? time = null) => new ResiliencePipelineBuilder { TimeProvider = time ?? TimeProvider.System }
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<TimeoutException>().Handle<OrleansMessageRejectionException>(),
            MaxRetryAttempts = MaxRetries,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(500),
            MaxDelay = TimeSpan.FromSeconds(5),
            OnRetry = args =>
            {
                LogRetrying(logger, args.Outcome.Exception, args.AttemptNumber + 1, args.RetryDelay.TotalSeconds);
                return default;
            },
        })
        .Build();

    [LoggerMessage(Level = LogLevel.Warning, Message = "A shard call failed (attempt {Attempt}); trying again in {Delay:F1} s")]
    private static partial void LogRetrying(ILogger logger, Exception? exception, int attempt, double delay);
}

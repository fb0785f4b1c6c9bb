using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using StackExchange.Redis;

namespace VisionSearch.Silo.Persistence;

/// <summary>
/// The one way the silo's stores call Redis: a call that fails because Redis is unreachable, restarting or loading its
/// data is tried again with exponential back-off (0.1 s, doubling up to 5 s) as long as the next attempt starts within
/// <see cref="RedisOutageOptions.OutageTolerance"/> of the first, so a build waits out a Redis restart instead of
/// failing. Every operation retried here is idempotent (a SET of a fixed key and value, a read, a delete).
/// </summary>
public sealed partial class RedisOutageRetry
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);
    private static readonly ResiliencePropertyKey<long> Started = new("visionsearch.redis.started");
    private static readonly ResiliencePropertyKey<string> What = new("visionsearch.redis.what");

    private readonly ResiliencePipeline _pipeline;
    private readonly TimeProvider _time;

    public RedisOutageRetry(IOptions<RedisOutageOptions> options, ILogger<RedisOutageRetry> logger, TimeProvider time)
    {
        _time = time;
        var tolerance = options.Value.OutageTolerance;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = int.MaxValue, // the tolerance ends the retries, not a count
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(DelayBefore(args.AttemptNumber)),
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } e && IsTransient(e)
                    && time.GetElapsedTime(args.Context.Properties.GetValue(Started, 0)) + DelayBefore(args.AttemptNumber) < tolerance),
                OnRetry = args =>
                {
                    LogRetrying(logger, args.Outcome.Exception, args.Context.Properties.GetValue(What, ""), args.AttemptNumber + 1, args.RetryDelay.TotalSeconds);
                    return default;
                },
            })
            .Build();
    }

    /// <summary>Runs <paramref name="operation"/> (named <paramref name="what"/> in the log), waiting out an outage.</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> operation, string what, CancellationToken cancellationToken = default)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(Started, _time.GetTimestamp());
        context.Properties.Set(What, what);
        try
        {
            return await _pipeline.ExecuteAsync(static async (_, run) => await run(), context, operation);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>The back-off before retry <paramref name="retry"/> (0 for the first).</summary>
    internal static TimeSpan DelayBefore(int retry) => retry >= 6 ? MaxDelay : TimeSpan.FromTicks(Math.Min(FirstDelay.Ticks << retry, MaxDelay.Ticks));

    private static bool IsTransient(Exception e) => e switch
    {
        RedisConnectionException or RedisTimeoutException => true,
        RedisServerException s => s.Message.StartsWith("LOADING", StringComparison.Ordinal) || s.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal),
        AggregateException a => a.InnerExceptions.All(IsTransient),
        IOException { InnerException: { } inner } => IsTransient(inner),
        _ => false,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis failed during {What} (attempt {Attempt}); retrying in {Delay:F1} s")]
    private static partial void LogRetrying(ILogger logger, Exception? exception, string what, int attempt, double delay);
}

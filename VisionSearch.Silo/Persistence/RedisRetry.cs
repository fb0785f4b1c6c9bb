using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace VisionSearch.Silo.Persistence;

/// <summary>
/// Retries a Redis operation while the server is unreachable, restarting or loading its data, with
/// exponential back-off up to <see cref="SnapshotOptions.RedisOutage"/>: a build waits out a Redis restart
/// instead of failing. Every operation retried here is idempotent (SET of a fixed key and value).
/// </summary>
internal static partial class RedisRetry
{
    public static async Task<T> RunAsync<T>(Func<Task<T>> operation, TimeSpan outage, ILogger logger, string what, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + outage;
        var delay = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operation();
            }
            catch (Exception e) when (IsTransient(e) && DateTime.UtcNow + delay < deadline)
            {
                LogRetrying(logger, e, what, attempt, delay.TotalSeconds);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private static bool IsTransient(Exception e) => e switch
    {
        RedisConnectionException or RedisTimeoutException => true,
        RedisServerException s => s.Message.StartsWith("LOADING", StringComparison.Ordinal) || s.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal),
        AggregateException a => a.InnerExceptions.All(IsTransient),
        IOException { InnerException: { } inner } => IsTransient(inner),
        _ => false,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis failed during {What} (attempt {Attempt}); retrying in {Delay:F1} s")]
    private static partial void LogRetrying(ILogger logger, Exception exception, string what, int attempt, double delay);
}

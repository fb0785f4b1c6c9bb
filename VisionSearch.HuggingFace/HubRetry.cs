using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace VisionSearch.HuggingFace;

/// <summary>
/// huggingface_hub's <c>http_backoff</c> as Polly pipelines on the client's clock: up to
/// <see cref="HubOptions.Attempts"/> attempts, waiting Retry-After (or RateLimit's <c>t=</c>) plus the base delay
/// when the Hub says how long, else 1, 2, 4, 8, 8 × <see cref="HubOptions.RetryBaseDelay"/>, no jitter.
/// </summary>
internal static partial class HubRetry
{
    /// <summary>The file a download pipeline fetches, and its partial file, for the log.</summary>
    public static readonly ResiliencePropertyKey<(string File, string Partial)> Download = new("hub.download");

    /// <summary>Requests answered 408, 429, 500, 502, 503 or 504 are sent again; the last answer is the caller's, whatever it is.</summary>
    public static ResiliencePipeline<HttpResponseMessage> Requests(HubOptions options, TimeProvider time, ILogger logger)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time };
        if (options.Attempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { StatusCode: var status } && (int)status is 408 or 429 or 500 or 502 or 503 or 504),
                MaxRetryAttempts = options.Attempts - 1,
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(RetryAfter(args.Outcome.Result!.Headers, options) ?? Backoff(options, args.AttemptNumber)),
                OnRetry = args =>
                {
                    var response = args.Outcome.Result!;
                    LogRetrying(logger, response.RequestMessage?.RequestUri, (int)response.StatusCode, args.RetryDelay.TotalSeconds);
                    response.Dispose(); // its connection goes back to the pool before the wait
                    return default;
                },
            });
        }

        return builder.Build();
    }

    /// <summary>A download cut short (an I/O or HTTP error) resumes from the bytes it has, after the back-off.</summary>
    public static ResiliencePipeline Downloads(HubOptions options, TimeProvider time, ILogger logger)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (options.Attempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<IOException>().Handle<HttpRequestException>(),
                MaxRetryAttempts = options.Attempts - 1,
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(Backoff(options, args.AttemptNumber)),
                OnRetry = args =>
                {
                    var (file, partial) = args.Context.Properties.GetValue(Download, ("?", ""));
                    LogResuming(logger, file, File.Exists(partial) ? new FileInfo(partial).Length : 0, args.AttemptNumber + 1, args.Outcome.Exception!.Message);
                    return default;
                },
            });
        }

        return builder.Build();
    }

    /// <summary>After the first failure the base delay, then twice that, up to 8×.</summary>
    private static TimeSpan Backoff(HubOptions options, int retry) => options.RetryBaseDelay * Math.Min(1 << retry, 8);

    private static TimeSpan? RetryAfter(HttpResponseHeaders headers, HubOptions options)
    {
        if (headers.RetryAfter?.Delta is { } delta)
        {
            return delta + options.RetryBaseDelay;
        }

        // RateLimit: "api";r=0;t=55
        var limit = HubClient.Header(headers, "RateLimit");
        var t = limit?.Split(';').FirstOrDefault(p => p.Trim().StartsWith("t=", StringComparison.Ordinal));
        return t is not null && int.TryParse(t.Trim()[2..], out var seconds) ? TimeSpan.FromSeconds(seconds) + options.RetryBaseDelay : null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Url} answered {Status}; retrying in {Seconds} s")]
    private static partial void LogRetrying(ILogger logger, Uri? url, int status, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Download of {File} interrupted at {Bytes} bytes (attempt {Attempt}): {Reason}; resuming")]
    private static partial void LogResuming(ILogger logger, string file, long bytes, int attempt, string reason);
}

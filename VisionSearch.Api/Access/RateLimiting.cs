using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using VisionSearch.ServiceDefaults;

namespace VisionSearch.Api.Access;

/// <summary>
/// A token bucket per client (holders of each API key share one, everyone else is counted by IP address) over every endpoint but health checks, when
/// <see cref="ApiOptions.RateLimitPerSecond"/> is above 0 (otherwise the middleware is not even added). A client
/// over its rate gets 429 with Retry-After.
/// </summary>
internal static class RateLimiting
{
    public static IServiceCollection AddVisionSearchRateLimiting(this IServiceCollection services)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                var options = context.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value;
                var keys = context.RequestServices.GetRequiredService<ApiKeys>();
                if (ServiceDefaultsExtensions.IsHealthPath(context.Request.Path))
                {
                    return RateLimitPartition.GetNoLimiter("unlimited");
                }

                // Only a configured key earns its own bucket: made-up keys must not buy a client fresh ones.
                var client = keys.Grant(context.Request) is { } grant ? $"key:{grant}" : "ip:" + context.Connection.RemoteIpAddress;
                return RateLimitPartition.GetTokenBucketLimiter(client, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.RateLimitBurst,
                    TokensPerPeriod = options.RateLimitPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var context = rejected.HttpContext;
                if (rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                }

                await TypedResults.Problem(
                    title: "Too many requests.",
                    detail: "This client is over its rate limit (Api:RateLimitPerSecond); retry after the Retry-After header's seconds.",
                    statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(context);
            };
        });
        return services;
    }
}

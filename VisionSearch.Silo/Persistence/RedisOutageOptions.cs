namespace VisionSearch.Silo.Persistence;

/// <summary>How the silo's Redis calls ride out an outage. Section <c>Redis</c>.</summary>
public sealed class RedisOutageOptions
{
    public const string SectionName = "Redis";

    /// <summary>
    /// How long an unreachable or loading Redis (a restart, a failover) is waited out, from a call's first attempt,
    /// before the call fails: a build, a write or a shard's activation then fails with Redis' error.
    /// </summary>
    public TimeSpan OutageTolerance { get; set; } = TimeSpan.FromMinutes(2);
}

using VisionSearch.LocalServers;
using Xunit;

namespace VisionSearch.Testing;

/// <summary>
/// A real Redis on a free loopback port for the duration of a test class or collection: redis-server when
/// it is installed (as in CI), embedded Garnet otherwise. <see cref="GarnetServerFixture"/> forces Garnet,
/// so code that must work on both servers is tested on both.
/// </summary>
public class RedisServerFixture : IAsyncLifetime
{
    private readonly bool _preferGarnet;

    public RedisServerFixture() : this(preferGarnet: false)
    {
    }

    protected RedisServerFixture(bool preferGarnet) => _preferGarnet = preferGarnet;

    public LocalRedis Server { get; private set; } = null!;

    /// <summary>The StackExchange.Redis connection string, e.g. <c>127.0.0.1:40123</c>.</summary>
    public string ConnectionString => Server.ConnectionString;

    public async ValueTask InitializeAsync() => Server = await LocalRedis.StartAsync(configured: null, preferGarnet: _preferGarnet);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

/// <summary>An embedded Garnet server, whatever is installed.</summary>
public sealed class GarnetServerFixture() : RedisServerFixture(preferGarnet: true);

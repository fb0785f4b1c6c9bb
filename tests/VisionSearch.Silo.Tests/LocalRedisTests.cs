using VisionSearch.LocalServers;

namespace VisionSearch.Silo.Tests;

public sealed class LocalRedisTests
{
    [Fact]
    public async Task A_server_started_on_a_port_another_Redis_holds_fails_instead_of_lending_out_that_server()
    {
        Assert.SkipWhen(LocalRedis.FindRedisServer() is null && Environment.GetEnvironmentVariable("CI") is null, "redis-server is not installed (apt-get install redis-server).");
        await using var first = await LocalRedis.StartAsync(configured: null);
        Assert.NotNull(first.Process);

        // The second redis-server cannot bind the port and exits, while the first answers its PING: a test given that
        // server would lose it when the first one's owner stops it.
        var taken = await Assert.ThrowsAnyAsync<IOException>(() => LocalRedis.StartAsync(configured: null, port: first.Port));
        Assert.Contains($"port {first.Port}", taken.Message, StringComparison.Ordinal);
        Assert.True(await LocalRedis.PingAsync(first.Port));
    }
}

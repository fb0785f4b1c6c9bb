using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using VisionSearch.Testing;

namespace VisionSearch.Silo.Tests;

/// <summary>The Orleans dashboard has no login: a silo listening on every interface shows it to its own machine only.</summary>
public sealed class SiloDashboardTests : IAsyncLifetime
{
    private readonly RedisServerFixture _redis = new();
    private SiloHost _silo = null!;

    public async ValueTask InitializeAsync()
    {
        await _redis.InitializeAsync();
        _silo = new SiloHost(_redis.ConnectionString, $"test-{Guid.NewGuid():N}", new Dictionary<string, string?> { ["urls"] = "http://0.0.0.0:0" });
        await _silo.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _silo.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task The_dashboard_answers_loopback_and_refuses_a_peer_on_another_address_while_health_answers_both()
    {
        var port = new Uri(_silo.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;
        var external = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        Assert.True(external is not null, "this machine has no non-loopback IPv4 address to call the silo from");
        using var http = new HttpClient();

        var local = await http.GetAsync($"http://127.0.0.1:{port}/dashboard/");
        var remote = await http.GetAsync($"http://{external}:{port}/dashboard/");

        Assert.Equal(HttpStatusCode.OK, local.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, remote.StatusCode);
        Assert.Contains("Orleans:Dashboard:AllowRemote", await remote.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://{external}:{port}/alive")).StatusCode);
    }
}

using System.Net;
using System.Net.Sockets;
using VisionSearch.LocalServers;

namespace VisionSearch.Silo.Tests;

public sealed class FreePortTests
{
    [Fact]
    public void Ports_come_from_below_the_ephemeral_range_and_are_never_handed_out_twice()
    {
        Assert.SkipUnless(File.Exists("/proc/sys/net/ipv4/ip_local_port_range"), "only Linux says its ephemeral range in /proc.");
        var ephemeralLow = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t')[0], System.Globalization.CultureInfo.InvariantCulture);

        // An outgoing connection takes a port of the ephemeral range; a silo started on one such port found taken
        // failed to bind in CI.
        var ports = Enumerable.Range(0, 200).Select(_ => FreePort.Next()).ToList();

        Assert.All(ports, p => Assert.InRange(p, 10_000, ephemeralLow - 1));
        Assert.Equal(ports.Count, ports.Distinct().Count());
        using var listener = new TcpListener(IPAddress.Loopback, ports[^1]);
        listener.Start();
    }
}

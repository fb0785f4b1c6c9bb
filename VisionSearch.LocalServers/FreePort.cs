using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace VisionSearch.LocalServers;

/// <summary>Finds a TCP port on 127.0.0.1 that nothing listens on right now.</summary>
public static class FreePort
{
    private const int Lowest = 10_000;

    // The kernel hands ports of its ephemeral range to outgoing connections, so one of those found free can be taken
    // by any process's connect() before the caller binds it (a silo's HTTP port was, in CI). Below the range only a
    // listener can take a port.
    private static readonly int EphemeralLow = ReadEphemeralLow();

    // A port handed out once is not handed out again by this process, even if its owner has not bound it yet.
    private static readonly ConcurrentDictionary<int, bool> HandedOut = new();

    /// <summary>A port number that was free a moment ago (the caller binds it next), outside the ephemeral range.</summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < 1_000 && EphemeralLow > Lowest; attempt++)
        {
            var port = Random.Shared.Next(Lowest, EphemeralLow);
            if (HandedOut.TryAdd(port, true) && IsFree(port))
            {
                return port;
            }
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var probe = new TcpListener(IPAddress.Loopback, port);
            probe.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The first port of the ephemeral range: Linux says it in /proc; 49152 is the IANA range others use.</summary>
    private static int ReadEphemeralLow()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 49152;
        }
    }
}

using System.Net;
using System.Net.Sockets;
using System.Text;
using Garnet;

namespace VisionSearch.LocalServers;

/// <summary>
/// A Redis for a test or a benchmark: a configured server when one is given, else <c>redis-server</c> from PATH on a
/// free loopback port, else an embedded Garnet server, so that they run on a machine with nothing but the .NET SDK.
/// </summary>
public sealed class LocalRedis : IAsyncDisposable
{
    private readonly ChildProcess? _process;
    private readonly GarnetServer? _garnet;

    private LocalRedis(string connectionString, string description, ChildProcess? process = null, GarnetServer? garnet = null)
    {
        ConnectionString = connectionString;
        Description = description;
        _process = process;
        _garnet = garnet;
    }

    /// <summary>What clients pass to StackExchange.Redis, e.g. <c>127.0.0.1:6380</c>.</summary>
    public string ConnectionString { get; }

    /// <summary>Which kind of server this is, for messages.</summary>
    public string Description { get; }

    /// <summary>The port of a server this process started (0 for a configured one).</summary>
    public int Port => _process is null && _garnet is null ? 0 : int.Parse(ConnectionString.Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The redis-server process this started; null for a configured server or Garnet.</summary>
    public ChildProcess? Process => _process;

    /// <summary>True when the server is an embedded Garnet.</summary>
    public bool IsGarnet => _garnet is not null;

    /// <summary>Uses <paramref name="configured"/> when given; otherwise starts a local server.</summary>
    /// <param name="configured">A connection string from configuration, or null.</param>
    /// <param name="dataDir">Where redis-server keeps its append-only file; null for a throwaway in-memory server.</param>
    /// <param name="port">The port to listen on; 0 picks a free one.</param>
    /// <param name="preferGarnet">Start Garnet even when redis-server is installed.</param>
    public static async Task<LocalRedis> StartAsync(string? configured, string? dataDir = null, int port = 0, bool preferGarnet = false)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new LocalRedis(configured, "configured (ConnectionStrings:redis)");
        }

        if (!preferGarnet && FindRedisServer() is { } redisServer)
        {
            // A port that was free a moment ago can be taken before redis-server binds it, by another test's server
            // among others: then this one exits, and another try takes another port.
            for (var attempt = 1; ; attempt++)
            {
                var chosen = port == 0 ? FreePort.Next() : port;
                try
                {
                    var process = await StartServerAsync(redisServer, chosen, dataDir);
                    return new LocalRedis($"127.0.0.1:{chosen}", $"redis-server ({redisServer})", process: process);
                }
                catch (PortTakenException) when (port == 0 && attempt < 3)
                {
                }
            }
        }

        port = port == 0 ? FreePort.Next() : port;
        var connectionString = $"127.0.0.1:{port}";
        var garnet = StartGarnet(port);
        await WaitForPongAsync(port, process: null);
        return new LocalRedis(connectionString, "Garnet (embedded; install redis-server to use it instead)", garnet: garnet);
    }

    /// <summary>Stops a server this process started and starts it again on the same port (for fault tests).</summary>
    public async Task<LocalRedis> RestartAsync(string? dataDir)
    {
        await DisposeAsync();
        return await StartAsync(null, dataDir, Port, preferGarnet: IsGarnet);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        _garnet?.Dispose();
    }

    /// <summary>An embedded Garnet server on <paramref name="port"/> of 127.0.0.1, in memory only.</summary>
    public static GarnetServer StartGarnet(int port)
    {
        // Lua is off by default in Garnet; Orleans' Redis clustering needs it.
        var garnet = new GarnetServer(["--bind", "127.0.0.1", "--port", $"{port}", "--lua", "true"]);
        garnet.Start();
        return garnet;
    }

    /// <summary>redis-server's full path when it is on PATH.</summary>
    public static string? FindRedisServer() => FindOnPath("redis-server");

    private static async Task<ChildProcess> StartServerAsync(string redisServer, int port, string? dataDir)
    {
        var arguments = new List<string> { "--port", $"{port}", "--bind", "127.0.0.1", "--save", "", "--protected-mode", "no" };
        if (dataDir is not null)
        {
            Directory.CreateDirectory(dataDir);
            arguments.AddRange(["--appendonly", "yes", "--dir", Path.GetFullPath(dataDir)]);
        }
        else
        {
            arguments.AddRange(["--appendonly", "no"]);
        }

        var process = ChildProcess.Start("redis", redisServer, arguments, new Dictionary<string, string>());
        try
        {
            await WaitForPongAsync(port, process);
            if (await ProcessIdAsync(port) != process.Id)
            {
                // Another server answered the PING: this one could not bind the port and is exiting.
                throw new PortTakenException(port);
            }

            return process;
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>Whether a Redis answers PING on <paramref name="port"/> of 127.0.0.1 now.</summary>
    public static async Task<bool> PingAsync(int port, CancellationToken cancellationToken = default)
    {
        try
        {
            var reply = await ExchangeAsync(port, "PING\r\n"u8.ToArray(), static text => text.Contains("\r\n", StringComparison.Ordinal), cancellationToken);
            return reply.StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }

    /// <summary>The <c>process_id</c> that <c>INFO server</c> reports on <paramref name="port"/>, or null.</summary>
    private static async Task<int?> ProcessIdAsync(int port)
    {
        // A bulk string, "$<length>\r\n<text>\r\n", is in once its text is; any other reply (an error) once its line is.
        var reply = await ExchangeAsync(port, "INFO server\r\n"u8.ToArray(), static text =>
        {
            var header = text.IndexOf("\r\n", StringComparison.Ordinal);
            return header >= 0 && (text[0] != '$' || (int.TryParse(text.AsSpan(1, header - 1), out var length) && text.Length >= header + 2 + length));
        }, CancellationToken.None);
        var line = reply.Split("\r\n").FirstOrDefault(l => l.StartsWith("process_id:", StringComparison.Ordinal));
        return int.TryParse(line?["process_id:".Length..], out var id) ? id : null;
    }

    /// <summary>
    /// Sends one inline <paramref name="command"/> to 127.0.0.1:<paramref name="port"/> and reads the reply until
    /// <paramref name="complete"/> holds or the server closes, for at most <see cref="ReplyTimeout"/>: a server that
    /// accepts and never answers must not hold a start-up or a health check for ever.
    /// </summary>
    private static async Task<string> ExchangeAsync(int port, byte[] command, Func<string, bool> complete, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReplyTimeout);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(command, timeout.Token);
        var reply = new StringBuilder();
        var buffer = new byte[4096];
        int n;
        while (!complete(reply.ToString()) && (n = await stream.ReadAsync(buffer, timeout.Token)) > 0)
        {
            reply.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }

        return reply.ToString();
    }

    /// <summary>The longest <see cref="ExchangeAsync"/> waits for a reply.</summary>
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(5);

    private sealed class PortTakenException(int port) : IOException($"Another server answers on port {port}.");

    private static async Task WaitForPongAsync(int port, ChildProcess? process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (process is { HasExited: true })
            {
                throw process.Tail.Contains("Address already in use", StringComparison.Ordinal)
                    ? new PortTakenException(port)
                    : new InvalidOperationException($"redis-server exited during startup:{Environment.NewLine}{process.Tail}");
            }

            if (await PingAsync(port))
            {
                return;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"Redis on port {port} did not answer PING within 30 s.");
            }

            await Task.Delay(50);
        }
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}

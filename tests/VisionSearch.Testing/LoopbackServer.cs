using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using VisionSearch.LocalServers;

namespace VisionSearch.Testing;

/// <summary>How every stand-in server starts: a quiet Kestrel on a free 127.0.0.1 port.</summary>
public static class LoopbackServer
{
    /// <summary>A slim builder bound to a free loopback port, without logging; <paramref name="url"/> is its base URL.</summary>
    public static WebApplicationBuilder CreateBuilder(out Uri url)
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        url = new Uri($"http://127.0.0.1:{port}/");
        return builder;
    }
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace VisionSearch.Testing;

/// <summary>How every stand-in server starts: a quiet Kestrel on 127.0.0.1.</summary>
public static class LoopbackServer
{
    /// <summary>
    /// A slim builder without logging, bound to port 0: the system hands out a free port as Kestrel binds it, so no other
    /// process can take the port between its choice and its use, as it can with a port picked beforehand.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        return builder;
    }

    /// <summary>Starts <paramref name="app"/> and returns its base URL, with the port it bound.</summary>
    public static async Task<Uri> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        return new Uri($"{app.Urls.Single().TrimEnd('/')}/");
    }
}

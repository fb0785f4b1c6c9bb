using System.Net;
using Microsoft.Extensions.Options;

namespace VisionSearch.Api.Access;

/// <summary>
/// Refuses to start an API that listens beyond loopback with no key configured (unless <see cref="ApiOptions.AllowAnonymous"/>):
/// checked against the addresses Kestrel will bind (<c>urls</c>, <c>http_ports</c>/<c>https_ports</c>,
/// <c>Kestrel:Endpoints:*:Url</c>) before it binds them.
/// </summary>
internal sealed class ListenGuard(IConfiguration configuration) : IValidateOptions<ApiOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiOptions options)
    {
        if (options.ApiKey is { Length: > 0 } || options.ReadOnlyApiKey is { Length: > 0 } || options.AllowAnonymous)
        {
            return ValidateOptionsResult.Success;
        }

        var exposed = Addresses(configuration).Where(a => !IsLoopback(a)).ToList();
        return exposed.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"The API listens on {string.Join(", ", exposed)}, beyond this machine, and no key is set: set Api:ApiKey (environment Api__ApiKey; " +
                "and Api:ReadOnlyApiKey for searches only), or Api:AllowAnonymous=true to serve it without keys on purpose.");
    }

    /// <summary>The URLs Kestrel will listen on, as configured; ASP.NET Core's default (http://localhost:5000) when none is.</summary>
    internal static IEnumerable<string> Addresses(IConfiguration configuration)
    {
        var urls = (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        foreach (var (key, scheme) in new[] { ("http_ports", "http"), ("https_ports", "https") })
        {
            urls.AddRange((configuration[key] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(port => $"{scheme}://*:{port}"));
        }

        urls.AddRange(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>());
        return urls.Count == 0 ? ["http://localhost:5000"] : urls;
    }

    private static bool IsLoopback(string url)
    {
        // Kestrel's wildcards (*, +) are not URIs; they bind every interface.
        var host = url.Split("://", 2) is [_, var rest] ? rest.Split('/')[0] : url;
        host = host.StartsWith('[') ? host[1..host.IndexOf(']', StringComparison.Ordinal)] : host.Split(':')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }
}

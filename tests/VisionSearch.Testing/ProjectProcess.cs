using System.Reflection;
using System.Runtime.InteropServices;
using VisionSearch.LocalServers;

namespace VisionSearch.Testing;

/// <summary>A .NET project of this repository run as a child process, healthy once its <c>/health</c> answers 200.</summary>
public static class ProjectProcess
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>Starts <paramref name="project"/> listening on <paramref name="httpPort"/> and waits until it is healthy.</summary>
    public static async Task<ChildProcess> StartAsync(
        string name, string project, int httpPort, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // The project's own folder is its content root, where its appsettings.json lies.
        var assembly = PathOf(project, typeof(ProjectProcess).Assembly);
        var child = ChildProcess.Start(
            name, DotnetHost(), [assembly, "--urls", $"http://127.0.0.1:{httpPort}"], environment, Path.GetDirectoryName(assembly));
        try
        {
            await WaitHealthyAsync(name, child, new Uri($"http://127.0.0.1:{httpPort}/health"), timeout, cancellationToken);
            return child;
        }
        catch
        {
            await child.DisposeAsync();
            throw;
        }
    }

    private static Task WaitHealthyAsync(string name, ChildProcess child, Uri health, TimeSpan timeout, CancellationToken cancellationToken) =>
        Wait.UntilAsync(
            async () =>
            {
                if (child.HasExited)
                {
                    throw new InvalidOperationException($"{name} exited during startup. Its last lines:{Environment.NewLine}{child.Tail}");
                }

                try
                {
                    using var response = await Http.GetAsync(health, cancellationToken);
                    return response.IsSuccessStatusCode;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    return false; // not listening yet, or too busy starting to answer within the client's 5 s
                }
            },
            timeout,
            () => $"{name} was not healthy at {health}. Its last lines:{Environment.NewLine}{child.Tail}");

    /// <summary>
    /// The built assembly of <paramref name="project"/>, embedded at build time into <paramref name="referrer"/>
    /// (a ProjectReference with EmbedPath, see Directory.Build.targets).
    /// </summary>
    public static string PathOf(string project, Assembly referrer) =>
        referrer.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == $"project:{project}")?.Value
        ?? throw new InvalidOperationException($"{referrer.GetName().Name} was built without a reference to {project}.");

    /// <summary>The <c>dotnet</c> executable of the runtime this process runs on.</summary>
    public static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        var root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var candidate = Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return File.Exists(candidate) ? candidate : "dotnet";
    }
}

using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using VisionSearch.LocalServers;
using VisionSearch.Testing;

namespace VisionSearch.AppHost.Tests;

/// <summary>
/// The real AppHost under <see cref="DistributedApplicationTestingBuilder"/>: Redis, two silos and the API as it
/// starts them, on free ports, sharing its own temporary folder, exporting telemetry to an OTLP collector of the test's.
/// </summary>
public class AspireSystem : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);
    private readonly EnvironmentScope _environment = new();
    private DistributedApplication? _app;
    private Task? _watching;
    private readonly CancellationTokenSource _stop = new();

    public VisionSearch.Testing.TempDirectory Folder { get; } = new();

    public OtlpReceiver Collector { get; private set; } = null!;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("Not started.");

    /// <summary>The API over HTTP, at the endpoint the AppHost gave it.</summary>
    public HttpClient Http { get; private set; } = null!;

    /// <summary>The process id DCP reports for each resource instance (a project's is its <c>dotnet run</c>).</summary>
    public ConcurrentDictionary<string, int> Processes { get; } = new();

    /// <summary>Settings of the services, in environment form, passed through from the AppHost's environment.</summary>
    protected virtual Dictionary<string, string> ServiceSettings => [];

    /// <summary>The AppHost's switches beyond the ports, folders and collector every system gets.</summary>
    protected virtual string[] Switches => [];

    /// <summary>The resources that must be healthy before the tests start.</summary>
    protected virtual string[] Resources => ["redis", "silo", "api", "web"];

    public async ValueTask InitializeAsync()
    {
        // Passed through from the AppHost's environment to every service: HTTP for this collector, and sent often.
        _environment.Set("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
        _environment.Set("OTEL_BSP_SCHEDULE_DELAY", "200");
        _environment.Set("OTEL_METRIC_EXPORT_INTERVAL", "500");
        foreach (var (key, value) in ServiceSettings)
        {
            _environment.Set(key, value);
        }

        Collector = await OtlpReceiver.StartAsync();
        using var timeout = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.VisionSearch_AppHost>(
            [
                $"--AppHost:ApiPort={FreePort.Next()}",
                $"--AppHost:SiloHttpPort={FreePort.Next()}",
                $"--AppHost:WebPort={FreePort.Next()}",
                $"--AppHost:DataDir={Folder.File("data")}",
                $"--AppHost:DatasetsDir={Folder.Path}",
                $"--AppHost:Otlp={Collector.Endpoint}",
                .. Switches,
            ],
            timeout.Token);
        _app = await builder.BuildAsync(timeout.Token);
        _watching = WatchProcessesAsync(_stop.Token);
        await _app.StartAsync(timeout.Token);
        foreach (var resource in Resources)
        {
            await _app.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
        }

        Http = _app.CreateHttpClient("api", "http");
    }

    /// <summary>A dataset's status through the API.</summary>
    public async Task<JsonNode> StatusAsync(string dataset) =>
        JsonNode.Parse(await Http.GetStringAsync($"/index/status?dataset={dataset}"))!;

    /// <summary>The id of the nearest item to <paramref name="vector"/> through the API; null when the search was refused.</summary>
    public async Task<string?> TopHitAsync(string dataset, float[] vector)
    {
        using var response = await Http.PostAsJsonAsync("/search", new { dataset, vector, k = 1 });
        return response.IsSuccessStatusCode
            ? JsonNode.Parse(await response.Content.ReadAsStringAsync())!["results"]![0]!["id"]!.GetValue<string>()
            : null;
    }

    /// <summary>The running silo processes (the .NET processes under each replica's <c>dotnet run</c>).</summary>
    public List<int> SiloProcesses() =>
        [.. Processes.Where(p => p.Key.StartsWith("silo", StringComparison.Ordinal))
            .SelectMany(p => ProcessTree.Descendants(p.Value).Prepend(p.Value))
            .Where(pid => ProcessTree.CommandLineOf(pid).Contains("VisionSearch.Silo", StringComparison.Ordinal) && !ProcessTree.CommandLineOf(pid).StartsWith("dotnet run", StringComparison.Ordinal))
            .Distinct()];

    /// <summary>Stops the application; every process it started is then gone, or this returns those that are not.</summary>
    public async Task<List<int>> StopAndFindSurvivorsAsync()
    {
        var started = Processes.Values.SelectMany(pid => ProcessTree.Descendants(pid).Prepend(pid)).Distinct().ToList();
        Assert.NotEmpty(started);
        await DisposeAppAsync();
        return await ProcessTree.SurvivorsAsync(started, TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        await DisposeAppAsync();
        if (Collector is not null)
        {
            await Collector.DisposeAsync();
        }

        Folder.Dispose();
        _environment.Dispose();
    }

    private async Task DisposeAppAsync()
    {
        Http?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
            _app = null;
        }

        await _stop.CancelAsync();
        if (_watching is not null)
        {
            await _watching.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task WatchProcessesAsync(CancellationToken cancellationToken)
    {
        await foreach (var update in _app!.ResourceNotifications.WatchAsync(cancellationToken))
        {
            if (update.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is { } pid
                && int.TryParse(pid.ToString(), out var id) && id > 0)
            {
                Processes[update.ResourceId] = id;
            }
        }
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Aspire.Hosting.Testing;
using VisionSearch.Testing;

namespace VisionSearch.AppHost.Tests;

/// <summary>The system as the AppHost runs it: every resource healthy, a dataset built and searched through the API, telemetry out.</summary>
public sealed class AppHostTests(AspireSystem system) : IClassFixture<AspireSystem>
{
    [Fact]
    public async Task Two_silos_and_the_api_run_healthy_and_a_dataset_builds_and_answers_through_the_api()
    {
        Assert.Equal(2, system.Processes.Keys.Count(k => k.StartsWith("silo", StringComparison.Ordinal)));
        Assert.Equal(2, system.SiloProcesses().Count);
        var rows = TestVectors.Clustered(300, 16, seed: 2);
        var path = system.Folder.File("proc.fvecs");
        TestVectors.WriteFvecs(path, rows);

        var build = await system.Http.PostAsJsonAsync("/index/build", new { dataset = "proc", location = path });
        Assert.Equal(HttpStatusCode.Accepted, build.StatusCode);
        await Wait.UntilAsync(async () => (await system.StatusAsync("proc"))["status"]!.GetValue<string>() == "ready", TimeSpan.FromSeconds(60), "the dataset never became ready");

        Assert.Equal("9", await system.TopHitAsync("proc", rows[9]));
        Assert.Equal(300, (long)(await system.StatusAsync("proc"))["count"]!);
    }

    [Fact]
    public async Task The_search_page_runs_beside_them_and_finds_the_api()
    {
        using var http = new HttpClient { BaseAddress = system.App.GetEndpoint("web", "http") };
        Assert.Equal("Healthy", await http.GetStringAsync("/health"));
        Assert.Contains("<title>VisionSearch</title>", await http.GetStringAsync("/"), StringComparison.Ordinal);

        var rows = TestVectors.Clustered(20, 8, seed: 7);
        var path = system.Folder.File("page.fvecs");
        TestVectors.WriteFvecs(path, rows);
        await system.Http.PostAsJsonAsync("/index/build", new { dataset = "page", location = path });
        await Wait.UntilAsync(async () => (await system.StatusAsync("page"))["status"]!.GetValue<string>() == "ready", TimeSpan.FromSeconds(60), "the dataset never became ready");
        // Through the page's own relay, which calls the API by its service-discovery name: a vector item has no image.
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/media/page/3?size=64")).StatusCode);
    }

    [Fact]
    public async Task The_orleans_dashboard_on_the_silos_port_lists_both_silos_as_active()
    {
        using var http = new HttpClient();
        var silos = system.App.GetEndpoint("silo", "http"); // Aspire's proxy before both replicas
        var counters = JsonNode.Parse(await http.GetStringAsync(new Uri(silos, "/dashboard/DashboardCounters")))!;
        Assert.Equal(["Active", "Active"], counters["hosts"]!.AsArray().Select(h => (string)h!["status"]!));
    }

    [Fact]
    public async Task Every_service_exports_traces_and_metrics_to_the_configured_collector()
    {
        var rows = TestVectors.Clustered(50, 8, seed: 5);
        var path = system.Folder.File("otlp.fvecs");
        TestVectors.WriteFvecs(path, rows);
        await system.Http.PostAsJsonAsync("/index/build", new { dataset = "otlp", location = path });
        await Wait.UntilAsync(async () => (await system.StatusAsync("otlp"))["status"]!.GetValue<string>() == "ready", TimeSpan.FromSeconds(60), "the dataset never became ready");
        Assert.Equal("3", await system.TopHitAsync("otlp", rows[3]));

        // The services' names, the API's request span, the grains' spans of a vector search, and a span of the Redis
        // client for the build's own commands (INCR of its version counter).
        string[] expected = ["api", "silo", "index.search", "shard.search", "POST /search", "INCR"];
        await Wait.UntilAsync(
            () => Task.FromResult(system.Collector.Received("/v1/traces") is var traces && expected.All(s => traces.Contains(s, StringComparison.Ordinal))
                && system.Collector.Received("/v1/metrics").Contains("visionsearch.search.duration", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30),
            $"the collector did not receive all of {string.Join(", ", expected)}: {system.Collector.Received("/v1/traces").Length} bytes of traces");
    }
}

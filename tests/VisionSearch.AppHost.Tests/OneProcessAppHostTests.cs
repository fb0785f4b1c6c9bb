using System.Net;
using System.Net.Http.Json;
using Aspire.Hosting.Testing;
using VisionSearch.Testing;

namespace VisionSearch.AppHost.Tests;

/// <summary>The AppHost with <c>--single-process</c>: Redis, one silo that serves the API on the API's port, the page.</summary>
public sealed class OneProcessSystem : AspireSystem
{
    protected override string[] Switches => ["--single-process"];

    protected override string[] Resources => ["redis", "api", "web"];
}

public sealed class OneProcessAppHostTests(OneProcessSystem system) : IClassFixture<OneProcessSystem>
{
    [Fact]
    public async Task One_silo_process_serves_the_api_and_the_page_and_a_dataset_builds_and_answers()
    {
        Assert.DoesNotContain(system.Processes.Keys, k => k.StartsWith("silo", StringComparison.Ordinal));
        var commands = system.Processes.Where(p => p.Key.StartsWith("api", StringComparison.Ordinal))
            .SelectMany(p => ProcessTree.Descendants(p.Value).Prepend(p.Value))
            .Select(ProcessTree.CommandLineOf)
            .ToList();
        Assert.Contains(commands, c => c.Contains("VisionSearch.Silo", StringComparison.Ordinal));
        Assert.DoesNotContain(commands, c => c.Contains("VisionSearch.Api", StringComparison.Ordinal));

        var rows = TestVectors.Clustered(300, 16, seed: 2);
        var path = system.Folder.File("one.fvecs");
        TestVectors.WriteFvecs(path, rows);
        Assert.Equal(HttpStatusCode.Accepted, (await system.Http.PostAsJsonAsync("/index/build", new { dataset = "one", location = path })).StatusCode);
        await Wait.UntilAsync(async () => (await system.StatusAsync("one"))["status"]!.GetValue<string>() == "ready", TimeSpan.FromSeconds(60), "the dataset never became ready");
        Assert.Equal("9", await system.TopHitAsync("one", rows[9]));
        Assert.Equal(HttpStatusCode.OK, (await system.Http.GetAsync("/dashboard")).StatusCode); // the silo's own, beside the API

        // The page calls the API by its service-discovery name, which is this silo's now: a vector item has no image.
        using var page = new HttpClient { BaseAddress = system.App.GetEndpoint("web", "http") };
        Assert.Equal(HttpStatusCode.NotFound, (await page.GetAsync("/media/one/3?size=64")).StatusCode);
    }
}

using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VisionSearch.LocalServers;
using VisionSearch.Testing;

namespace VisionSearch.AppHost.Tests;

/// <summary>A system whose silos notice a dead peer within seconds and look for builds to resume every second.</summary>
public sealed class FailoverSystem : AspireSystem
{
    protected override Dictionary<string, string> ServiceSettings => new()
    {
        ["Ingestion__VectorBatchSize"] = "250",
        ["Ingestion__BatchesInFlight"] = "2",
        ["Ingestion__ResumeInterval"] = "00:00:01",
        ["Orleans__Membership__ProbeTimeout"] = "00:00:01",
        ["Orleans__Membership__NumMissedProbesLimit"] = "2",
        ["Orleans__Membership__NumVotesForDeathDeclaration"] = "1",
    };
}

/// <summary>
/// What the AppHost's users relied on beyond Aspire's own behaviour: a silo killed outright mid-build leaves the build to
/// the other, which ends it with exactly the dataset's items; and stopping the AppHost leaves no process behind.
/// </summary>
public sealed class SiloFailoverTests(FailoverSystem system) : IClassFixture<FailoverSystem>
{
    private const int Rows = 40_000;

    [Fact]
    public async Task A_silo_killed_mid_build_leaves_the_build_to_end_exact_and_stopping_leaves_no_process()
    {
        var rows = TestVectors.Clustered(Rows, 24, seed: 21);
        var path = system.Folder.File("crash.fvecs");
        TestVectors.WriteFvecs(path, rows);
        await system.Http.PostAsJsonAsync("/index/build", new { dataset = "crash", location = path });
        await Wait.UntilAsync(async () => (long?)(await StatusAsync())?["items_indexed"] >= 6_000, TimeSpan.FromSeconds(60), "the build never got going");

        var silos = system.SiloProcesses();
        Assert.Equal(2, silos.Count);
        var before = await StatusAsync();
        Assert.Equal("building", (string?)before?["status"]); // mid-build: some items in, not all
        Assert.Equal(0, ChildProcess.SendSignal(silos[0], ChildProcess.SigKill));

        // Until the cluster has declared the silo dead (seconds), calls to the grains it held fail: the failover window.
        await Wait.UntilAsync(async () => (string?)(await StatusAsync())?["status"] == "ready", TimeSpan.FromMinutes(3), "the build did not end after a silo was killed");
        var done = (await StatusAsync())!;
        Assert.Equal((Rows, Rows, 0L), ((long)done["count"]!, (long)done["items_indexed"]!, (long)done["items_skipped"]!));
        using var search = await system.Http.PostAsJsonAsync("/search", new { dataset = "crash", vector = rows[1234], k = 1 });
        Assert.Equal("1234", JsonNode.Parse(await search.Content.ReadAsStringAsync())!["results"]![0]!["id"]!.GetValue<string>());

        var survivors = await system.StopAndFindSurvivorsAsync();
        Assert.True(survivors.Count == 0, $"still running after the AppHost stopped: {string.Join("; ", survivors.Select(p => $"{p} {ProcessTree.CommandLineOf(p)}"))}");
    }

    /// <summary>The dataset's status; null while the API cannot answer (a 5xx in the failover window).</summary>
    private async Task<JsonNode?> StatusAsync()
    {
        using var response = await system.Http.GetAsync("/index/status?dataset=crash");
        return response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync()) : null;
    }
}

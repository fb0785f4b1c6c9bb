using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VisionSearch.AppHost.Resources;
using VisionSearch.Testing;

namespace VisionSearch.AppHost.Tests;

/// <summary>The README's run command, as a user runs it: the AppHost as a process, used over HTTP, then stopped.</summary>
public sealed class AppHostProcessTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task AppHost_restarts_killed_silos_and_redis_keeps_serving_and_leaves_no_child_after_SIGTERM()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "reads /proc and sends signals");
        var port = FreePort.Next();
        var siloPort = TwoFreePorts(); // silo-1 and silo-2 take this one and the next
        using var collector = new OtlpReceiver();
        using var appHost = StartAppHost(["--api-port", $"{port}", "--silo-port", $"{siloPort}", "--otlp", collector.Endpoint], out var ready, new()
        {
            // Passed through to every resource: HTTP rather than gRPC for this collector, and sent often.
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
        });
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(180));
            var silos = Silos(appHost.Id);
            Assert.Equal(2, silos.Count); // --silos defaults to 2
            Assert.Equal(4, ChildrenOf(appHost.Id).Count); // and redis-server and the API

            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var path = _dir.File("v.fvecs");
            var rows = TestVectors.Clustered(300, 16, seed: 2);
            TestVectors.WriteFvecs(path, rows);
            var build = await http.PostAsJsonAsync("/index/build", new { dataset = "proc", location = path });
            Assert.Equal(HttpStatusCode.Accepted, build.StatusCode);

            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (JsonNode.Parse(await http.GetStringAsync("/index/status?dataset=proc"))!["status"]!.GetValue<string>() != "ready")
            {
                Assert.True(DateTime.UtcNow < deadline, "the dataset never became ready");
                await Task.Delay(100);
            }

            Assert.Equal("9", await TopHitAsync(http, rows[9]));

            // The Orleans dashboard on silo 1's HTTP port sees both silos under the names the AppHost gave them.
            var counters = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{siloPort}/dashboard/DashboardCounters"))!;
            Assert.Equal(
                ["silo-1:Active", "silo-2:Active"],
                counters["hosts"]!.AsArray().Select(h => $"{h!["siloName"]}:{h["status"]}").Order());

            // Every resource exports over OTLP to the endpoint given with --otlp, each under its own instance name.
            var exported = await WaitForAsync(
                () => collector.Received("/v1/traces") is var traces
                    && ExportedTraceNames.All(s => traces.Contains(s, StringComparison.Ordinal))
                    && collector.Received("/v1/metrics").Contains("visionsearch.search.duration", StringComparison.Ordinal),
                TimeSpan.FromSeconds(30));
            Assert.True(exported, $"OTLP received traces: {collector.Received("/v1/traces").Length} bytes, metrics: {collector.Received("/v1/metrics").Length} bytes");

            // Each silo in turn, so that whichever one held the dataset's grain was killed once.
            foreach (var killed in silos)
            {
                Assert.Equal(0, ChildProcess.SendSignal(killed, SigKill));
                var restarted = await WaitForAsync(() => Silos(appHost.Id) is { Count: 2 } now && !now.Contains(killed), TimeSpan.FromSeconds(60));
                Assert.True(restarted, $"silo {killed} was not replaced by a new silo process");
                Assert.Contains(Output, line => line.Contains("exited with code 137", StringComparison.Ordinal));
                var answered = await WaitForAsync(async () => await TopHitAsync(http, rows[42]) == "42", TimeSpan.FromSeconds(60));
                Assert.True(answered, $"the search did not answer after silo {killed} was killed");
            }

            // Redis too: a new redis-server on the same port and append-only file, and builds (which write to it) work again.
            // Without redis-server installed the AppHost embeds Garnet, which has no process to kill; CI installs it.
            var redis = ChildrenOf(appHost.Id).Where(pid => CommandLineOf(pid).Contains("redis-server", StringComparison.Ordinal)).ToList();
            Assert.True(redis.Count == 1 || Environment.GetEnvironmentVariable("CI") is null, "CI has redis-server, so the AppHost should run it");
            if (redis is [var server])
            {
                Assert.Equal(0, ChildProcess.SendSignal(server, SigKill));
                Assert.True(
                    await WaitForAsync(() => ChildrenOf(appHost.Id).Any(pid => pid != server && CommandLineOf(pid).Contains("redis-server", StringComparison.Ordinal)), TimeSpan.FromSeconds(30)),
                    "redis-server was not restarted");
                var again = await WaitForAsync(
                    async () => (await http.PostAsJsonAsync("/index/build", new { dataset = "after-redis", location = path })).StatusCode == HttpStatusCode.Accepted,
                    TimeSpan.FromSeconds(60));
                Assert.True(again, "no build was accepted after redis-server restarted");
                Assert.True(
                    await WaitForAsync(async () => JsonNode.Parse(await http.GetStringAsync("/index/status?dataset=after-redis"))!["status"]!.GetValue<string>() == "ready", TimeSpan.FromSeconds(60)),
                    "the build after the Redis restart never became ready");
            }

            var children = ChildrenOf(appHost.Id);
            Assert.Equal(0, ChildProcess.SendSignal(appHost.Id, ChildProcess.SigTerm));
            await appHost.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(0, appHost.ExitCode);
            Assert.All(children, pid => Assert.False(Directory.Exists($"/proc/{pid}"), $"child {pid} outlived the AppHost"));
        }
        finally
        {
            if (!appHost.HasExited)
            {
                appHost.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task Help_lists_every_switch_and_bad_settings_exit_with_a_message()
    {
        using var help = StartAppHost(["--help"], out _);
        await help.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, help.ExitCode);
        var text = string.Join("\n", Output);
        foreach (var option in new[] { "--silos", "--api-port", "--silo-port", "--data", "--datasets", "--redis", "--embedder", "--model", "--sagemaker-endpoint", "--region", "--otlp" })
        {
            Assert.Contains(option + " <value>", text, StringComparison.Ordinal);
        }

        Output.Clear();
        using var bad = StartAppHost(["--embedder", "sagemaker"], out _);
        await bad.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains(Output, line => line.Contains("The sagemaker embedder needs an endpoint", StringComparison.Ordinal));
    }

    private const int SigKill = 9;

    /// <summary>
    /// Instance names of every resource, spans from the API and from the grains of a vector search, and a span of
    /// the Redis client instrumentation for the build's own commands (INCR of its version counter).
    /// </summary>
    private static readonly string[] ExportedTraceNames = ["silo-1", "silo-2", "api", "index.search", "shard.search", "POST /search", "INCR"];

    /// <summary>Every line the AppHost printed, its children's included.</summary>
    private System.Collections.Concurrent.ConcurrentQueue<string> Output { get; } = new();

    /// <summary>A port that is free with the one after it.</summary>
    private static int TwoFreePorts()
    {
        while (true)
        {
            var port = FreePort.Next();
            if (FreePort.IsFree(port + 1))
            {
                return port;
            }
        }
    }

    private static async Task<string?> TopHitAsync(HttpClient http, float[] vector)
    {
        using var response = await http.PostAsJsonAsync("/search", new { dataset = "proc", vector, k = 1 });
        return response.IsSuccessStatusCode
            ? JsonNode.Parse(await response.Content.ReadAsStringAsync())!["results"]![0]!["id"]!.GetValue<string>()
            : null;
    }

    private static Task<bool> WaitForAsync(Func<bool> condition, TimeSpan timeout) => WaitForAsync(() => Task.FromResult(condition()), timeout);

    private static async Task<bool> WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(200);
        }

        return true;
    }

    /// <summary>The AppHost's silo processes.</summary>
    private static List<int> Silos(int appHost) =>
        [.. ChildrenOf(appHost).Where(pid => CommandLineOf(pid).Contains("VisionSearch.Silo.dll", StringComparison.Ordinal))];

    private static string CommandLineOf(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }

    private Process StartAppHost(string[] arguments, out TaskCompletionSource ready, Dictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(ProjectResource.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _dir.Path,
        };
        info.ArgumentList.Add(ProjectResource.PathOf("VisionSearch.AppHost", typeof(AppHostProcessTests).Assembly));
        foreach (var (key, value) in environment ?? [])
        {
            info.Environment[key] = value;
        }

        info.ArgumentList.Add("--data");
        info.ArgumentList.Add(_dir.File("data"));
        info.ArgumentList.Add("--datasets"); // the test writes its vectors here
        info.ArgumentList.Add(_dir.Path);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            Output.Enqueue(e.Data);
            if (e.Data.Contains("VisionSearch is running", StringComparison.Ordinal))
            {
                started.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Output.Enqueue(e.Data);
            }
        };
        process.Exited += (_, _) => started.TrySetException(new InvalidOperationException($"the AppHost exited with {process.ExitCode} before it was ready"));
        process.EnableRaisingEvents = true;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        ready = started;
        return process;
    }

    /// <summary>The direct children of <paramref name="pid"/>, from /proc/*/stat (field 4 is the parent pid).</summary>
    private static List<int> ChildrenOf(int pid) =>
        [.. Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var p) ? p : 0)
            .Where(p => p > 0 && ParentOf(p) == pid)];

    private static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}

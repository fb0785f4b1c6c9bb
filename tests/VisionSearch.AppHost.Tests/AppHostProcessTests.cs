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
    public async Task AppHost_serves_builds_and_searches_then_stops_every_child_on_SIGTERM()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "reads /proc and sends SIGTERM");
        var port = FreePort.Next();
        using var appHost = StartAppHost(port, out var ready);
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(180));
            var children = ChildrenOf(appHost.Id);
            Assert.True(children.Count >= 3, $"expected redis, silo and api under the AppHost, found {children.Count}");

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

            var search = await http.PostAsJsonAsync("/search", new { dataset = "proc", vector = rows[9], k = 1 });
            Assert.Equal("9", JsonNode.Parse(await search.Content.ReadAsStringAsync())!["results"]![0]!["id"]!.GetValue<string>());

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

    private Process StartAppHost(int port, out TaskCompletionSource ready)
    {
        var info = new ProcessStartInfo(ProjectResource.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _dir.Path,
        };
        info.ArgumentList.Add(ProjectResource.PathOf("VisionSearch.AppHost", typeof(AppHostProcessTests).Assembly));
        info.ArgumentList.Add($"--AppHost:ApiPort={port}");
        info.ArgumentList.Add($"--AppHost:DataDir={_dir.File("data")}");
        var process = new Process { StartInfo = info };
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("VisionSearch is running", StringComparison.Ordinal) == true)
            {
                started.TrySetResult();
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

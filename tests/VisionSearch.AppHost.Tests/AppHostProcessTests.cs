using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VisionSearch.LocalServers;
using VisionSearch.Testing;

namespace VisionSearch.AppHost.Tests;

/// <summary>The README's run command as a user runs it: the AppHost as a process, with what it prints, then stopped with SIGTERM.</summary>
public sealed class AppHostProcessTests : IDisposable
{
    private readonly VisionSearch.Testing.TempDirectory _dir = new();
    private readonly ConcurrentQueue<string> _output = new();

    public void Dispose() => _dir.Dispose();

    /// <param name="onlyDotnet">
    /// The machine has nothing but the .NET SDK: PATH holds <c>dotnet</c> alone, so there is no redis-server (nor Docker)
    /// and the AppHost must serve Redis from its embedded Garnet.
    /// </param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task It_prints_the_dashboard_login_and_SIGTERM_stops_every_process_it_started(bool onlyDotnet)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "reads /proc and sends signals");
        var dashboard = FreePort.Next();
        var api = FreePort.Next();
        var web = FreePort.Next();
        var environment = new Dictionary<string, string>
        {
            // What the http launch profile sets for `dotnet run`.
            ["ASPNETCORE_URLS"] = $"http://localhost:{dashboard}",
            ["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://localhost:{FreePort.Next()}",
            ["ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL"] = $"http://localhost:{FreePort.Next()}",
            ["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://localhost:{FreePort.Next()}",
            ["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true",
            ["DOTNET_ENVIRONMENT"] = "Development",
        };
        if (onlyDotnet)
        {
            var bin = Directory.CreateDirectory(_dir.File("bin")).FullName;
            File.CreateSymbolicLink(Path.Combine(bin, "dotnet"), ProjectProcess.DotnetHost());
            environment["PATH"] = bin;
        }

        using var appHost = Start(
            ["--api-port", $"{api}", "--silo-port", $"{FreePort.Next()}", "--web-port", $"{web}", "--silos", "1", "--data", _dir.File("data"), "--datasets", _dir.Path],
            environment);
        try
        {
            using var http = new HttpClient();
            await Wait.UntilAsync(
                async () => (await TryGetAsync(http, $"http://127.0.0.1:{api}/health")) == "Healthy",
                TimeSpan.FromMinutes(3),
                $"the API never became healthy; the AppHost said:{Environment.NewLine}{string.Join(Environment.NewLine, _output.TakeLast(30))}");
            Assert.Contains(_output, line => line.Contains($"Login to the dashboard at http://localhost:{dashboard}/login?t=", StringComparison.Ordinal));
            await Wait.UntilAsync(
                () => Task.FromResult(_output.Any(line => line.Contains($"Search page: http://localhost:{web} · API: http://localhost:{api}", StringComparison.Ordinal))),
                TimeSpan.FromMinutes(1),
                "the AppHost never printed the search page's link");

            // DCP detaches from the AppHost (it watches it with --monitor): its processes are not the AppHost's descendants.
            var started = Started(appHost.Id);
            if (onlyDotnet)
            {
                Assert.DoesNotContain(started, pid => ProcessTree.CommandLineOf(pid).Contains("redis-server", StringComparison.Ordinal));
                await BuildAndSearchAsync(http, new Uri($"http://127.0.0.1:{api}"));
            }
            else
            {
                Assert.Contains(started, pid => ProcessTree.CommandLineOf(pid).Contains("redis-server", StringComparison.Ordinal) || Environment.GetEnvironmentVariable("CI") is null);
            }

            Assert.Contains(started, pid => ProcessTree.CommandLineOf(pid).Contains("VisionSearch.Api", StringComparison.Ordinal));

            Assert.Equal(0, ChildProcess.SendSignal(appHost.Id, ChildProcess.SigTerm));
            await appHost.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            var survivors = await ProcessTree.SurvivorsAsync(started, TimeSpan.FromSeconds(30));
            Assert.True(survivors.Count == 0, $"still running after SIGTERM: {string.Join("; ", survivors.Select(p => $"{p} {ProcessTree.CommandLineOf(p)}"))}");
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
    public async Task Help_lists_every_switch_and_a_bad_setting_stops_the_start_with_one_line()
    {
        using (var help = Start(["--help"]))
        {
            await help.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(0, help.ExitCode);
        }

        var text = string.Join("\n", _output);
        foreach (var option in new[] { "--silos", "--api-port", "--silo-port", "--web-port", "--data", "--datasets", "--redis", "--embedder", "--model", "--sagemaker-endpoint", "--region", "--otlp" })
        {
            Assert.Contains(option + " <value>", text, StringComparison.Ordinal);
        }

        foreach (var (arguments, message) in new (string[], string)[]
        {
            (["--embedder", "sagemaker"], "Invalid settings: AppHost:SageMakerEndpoint: The sagemaker embedder needs an endpoint"),
            (["--silos", "0"], "Invalid settings: AppHost:Silos:"),
            (["--silos", "many"], "Invalid settings:"),
        })
        {
            _output.Clear();
            using var bad = Start(arguments);
            await bad.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(2, bad.ExitCode);
            Assert.Single(_output, line => line.StartsWith(message, StringComparison.Ordinal));
        }
    }

    /// <summary>A dataset of the shared folder builds through the API and its own vector finds it first.</summary>
    private async Task BuildAndSearchAsync(HttpClient http, Uri api)
    {
        var rows = TestVectors.Clustered(200, 8, seed: 5);
        var path = _dir.File("garnet.fvecs");
        TestVectors.WriteFvecs(path, rows);
        var build = await http.PostAsJsonAsync(new Uri(api, "/index/build"), new { dataset = "garnet", location = path });
        Assert.Equal(HttpStatusCode.Accepted, build.StatusCode);
        await Wait.UntilAsync(
            async () => JsonNode.Parse(await http.GetStringAsync(new Uri(api, "/index/status?dataset=garnet")))!["status"]!.GetValue<string>() == "ready",
            TimeSpan.FromSeconds(60),
            "the dataset never became ready");
        var search = await http.PostAsJsonAsync(new Uri(api, "/search"), new { dataset = "garnet", vector = rows[42], k = 1 });
        Assert.Equal("42", (string)JsonNode.Parse(await search.Content.ReadAsStringAsync())!["results"]![0]!["id"]!);
    }

    /// <summary>The AppHost's descendants, and DCP's processes (which monitor it) with theirs.</summary>
    private static List<int> Started(int appHost)
    {
        var dcp = Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var p) ? p : 0)
            .Where(p => p > 0 && ProcessTree.CommandLineOf(p).Contains($"--monitor {appHost} ", StringComparison.Ordinal));
        return [.. ProcessTree.Descendants(appHost).Concat(dcp.SelectMany(p => ProcessTree.Descendants(p).Prepend(p))).Distinct()];
    }

    private static async Task<string?> TryGetAsync(HttpClient http, string url)
    {
        try
        {
            return await http.GetStringAsync(url);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private Process Start(string[] arguments, Dictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(ProjectProcess.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _dir.Path,
        };
        info.ArgumentList.Add(ProjectProcess.PathOf("VisionSearch.AppHost", typeof(AppHostProcessTests).Assembly));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? [])
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }
}

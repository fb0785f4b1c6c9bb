using System.Text.RegularExpressions;
using VisionSearch.Testing;

namespace VisionSearch.AppHost.Tests;

/// <summary>
/// docker-compose.yml and the Dockerfiles, checked without a Docker engine: Debian's docker-compose parses and
/// resolves the file, and each Dockerfile's publish step runs here as the image build would run it.
/// </summary>
public sealed partial class DeploymentTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Compose_file_resolves_every_service_volume_and_setting()
    {
        Dictionary<string, string?> keyed = new() { ["API_KEY"] = "k3y", ["API_READ_KEY"] = "r3ad" };
        var services = await ComposeAsync(["config", "--services"], keyed);
        Assert.Equal(["api", "aspire-dashboard", "redis", "silo", "web"], Lines(services).Order());
        Assert.Equal(["hf-cache", "redis-data"], Lines(await ComposeAsync(["config", "--volumes"], keyed)).Order());

        var local = await ComposeAsync(["config"], keyed);
        Assert.Contains("- --appendonly\n    - \"yes\"", local, StringComparison.Ordinal);
        Assert.Contains("Api__ApiKey: k3y", local, StringComparison.Ordinal);
        Assert.Contains("Datasets__Roots__0: /datasets", local, StringComparison.Ordinal);
        Assert.Equal(2, Regex.Count(local, "Orleans__Clustering__ProviderType: Redis")); // as the AppHost configures silo and API
        Assert.Equal(2, Regex.Count(local, "Orleans__Clustering__ServiceKey: redis"));
        // Admin surfaces only on the host's loopback; the API on every interface, behind its key.
        Assert.Contains("- 127.0.0.1:5090-5099:8080/tcp", local, StringComparison.Ordinal);
        Assert.Contains("- 127.0.0.1:18888:18888/tcp", local, StringComparison.Ordinal);
        Assert.Contains("- 127.0.0.1:4317:18889/tcp", local, StringComparison.Ordinal);
        Assert.Contains("- published: 5080\n      target: 8080", local, StringComparison.Ordinal);
        Assert.Contains("services__api__http__0: http://api:8080", local, StringComparison.Ordinal); // the page finds the API as the AppHost's reference names it
        Assert.Contains("Web__ApiKey: r3ad", local, StringComparison.Ordinal); // the page reads with the read-only key
        Assert.Contains("redis-data:/data:rw", local, StringComparison.Ordinal);
        Assert.Contains("replicas: 2", local, StringComparison.Ordinal);
        Assert.Contains("Embeddings__Embedder: local", local, StringComparison.Ordinal);
        Assert.Contains("Embeddings__Clip__Model: Xenova/clip-vit-base-patch32", local, StringComparison.Ordinal);
        Assert.Contains("OTEL_EXPORTER_OTLP_ENDPOINT: http://aspire-dashboard:18889", local, StringComparison.Ordinal);
        Assert.Contains("AWS_SECRET_ACCESS_KEY: null", local, StringComparison.Ordinal); // passed through only when set
        Assert.Matches(@"api:\n(.*\n)*?    depends_on:\n      redis:\n        condition: service_healthy\n      silo:\n        condition: service_healthy", local);

        var (keyless, refused) = await ComposeAsync(["config"], new() { ["API_KEY"] = null, ["API_READ_KEY"] = "r3ad" }, mayFail: true);
        Assert.NotEqual(0, keyless);
        Assert.Contains("set API_KEY", refused, StringComparison.Ordinal);

        var sageMaker = await ComposeAsync(["config"], new()
        {
            ["API_KEY"] = "k3y",
            ["API_READ_KEY"] = "r3ad",
            ["EMBEDDER"] = "sagemaker",
            ["SAGEMAKER_ENDPOINT"] = "visionsearch-clip",
            ["AWS_REGION"] = "eu-west-1",
            ["AWS_SECRET_ACCESS_KEY"] = "secret",
            ["API_PORT"] = "8088",
        });
        Assert.Contains("Embeddings__Embedder: sagemaker", sageMaker, StringComparison.Ordinal);
        Assert.Contains("Embeddings__SageMaker__EndpointName: visionsearch-clip", sageMaker, StringComparison.Ordinal);
        Assert.Contains("AWS_REGION: eu-west-1", sageMaker, StringComparison.Ordinal);
        Assert.Contains("AWS_SECRET_ACCESS_KEY: secret", sageMaker, StringComparison.Ordinal);
        Assert.Contains("published: 8088", sageMaker, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("VisionSearch.Silo")]
    [InlineData("VisionSearch.Api")]
    [InlineData("VisionSearch.Web")]
    public async Task Dockerfile_is_multi_stage_runs_as_non_root_and_its_publish_step_succeeds(string project)
    {
        var dockerfile = await File.ReadAllLinesAsync(TestFiles.Repository(project, "Dockerfile"));
        var stages = dockerfile.Select((line, i) => (line, i)).Where(l => l.line.StartsWith("FROM ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, stages.Count);
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build", stages[0].line, StringComparison.Ordinal);
        var runtime = dockerfile[stages[1].i..];
        Assert.Equal("FROM mcr.microsoft.com/dotnet/aspnet:10.0", runtime[0]);
        Assert.Contains("USER $APP_UID", runtime); // the image's non-root user
        Assert.Contains(runtime, l => l.StartsWith("HEALTHCHECK ", StringComparison.Ordinal) && l.Contains("/health", StringComparison.Ordinal));
        Assert.Contains($"ENTRYPOINT [\"dotnet\", \"{project}.dll\"]", runtime);

        // The build stage's publish command, run from the repository root as the image build runs it from the context.
        var publish = PublishStep().Match(string.Join("\n", dockerfile[..stages[1].i]));
        Assert.True(publish.Success, "the build stage has no `dotnet publish ... -o /app` step");
        Assert.Equal($"{project}/{project}.csproj", publish.Groups["project"].Value);
        var output = _dir.File("app");
        var arguments = publish.Groups["arguments"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var (exit, log) = await Command.RunAsync("dotnet", ["publish", publish.Groups["project"].Value, .. arguments, "-o", output]);
        Assert.True(exit == 0, log);
        Assert.True(File.Exists(Path.Combine(output, $"{project}.dll")), log);
        // A project's own settings file, where it has one; never another project's (the silo references the API's project).
        var settings = TestFiles.Repository(project, "appsettings.json");
        Assert.Equal(File.Exists(settings), File.Exists(Path.Combine(output, "appsettings.json")));
        if (File.Exists(settings))
        {
            Assert.Equal(await File.ReadAllTextAsync(settings), await File.ReadAllTextAsync(Path.Combine(output, "appsettings.json")));
        }
    }

    /// <summary>docker-compose with the repository's file; fails (or skips off CI) where Debian's docker-compose is missing.</summary>
    private static async Task<string> ComposeAsync(string[] arguments, Dictionary<string, string?>? environment = null) =>
        (await ComposeAsync(arguments, environment, mayFail: false)).Output;

    private static async Task<(int Exit, string Output)> ComposeAsync(string[] arguments, Dictionary<string, string?>? environment, bool mayFail)
    {
        // The defaults must show, whatever the machine running the tests has set.
        var clean = new Dictionary<string, string?>
        {
            ["EMBEDDER"] = null, ["CLIP_MODEL"] = null, ["SAGEMAKER_ENDPOINT"] = null, ["API_PORT"] = null, ["API_KEY"] = null, ["API_READ_KEY"] = null,
            ["AWS_REGION"] = null, ["AWS_ACCESS_KEY_ID"] = null, ["AWS_SECRET_ACCESS_KEY"] = null, ["AWS_SESSION_TOKEN"] = null, ["HF_TOKEN"] = null,
        };
        foreach (var (key, value) in environment ?? [])
        {
            clean[key] = value;
        }

        var (exit, output) = await Command.RunAsync("docker-compose", ["-f", TestFiles.Repository("docker-compose.yml"), .. arguments], environment: clean);
        Assert.SkipWhen(exit == -1 && Environment.GetEnvironmentVariable("CI") is null, "docker-compose is not installed (apt-get install docker-compose).");
        Assert.True(exit == 0 || (mayFail && exit > 0), output);
        return (exit, output);
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [GeneratedRegex(@"^RUN (?:--mount=\S+ )*dotnet publish (?<project>\S+\.csproj) (?<arguments>.*?) -o /app$", RegexOptions.Multiline)]
    private static partial Regex PublishStep();
}

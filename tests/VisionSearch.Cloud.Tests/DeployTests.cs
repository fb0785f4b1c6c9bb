using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging.Abstractions;
using Spectre.Console;
using VisionSearch.Aws;
using VisionSearch.HuggingFace;
using VisionSearch.Testing;

namespace VisionSearch.Cloud.Tests;

/// <summary>
/// The deploy tool against s3rver (a real S3 server) and a loopback SageMaker control plane that checks every
/// signature, target and body, replays AWS's errors and walks endpoints through Creating → InService or Failed.
/// </summary>
public sealed class DeployTests : IAsyncLifetime
{
    private const string Region = "us-east-1";
    private const string Role = "arn:aws:iam::123456789012:role/visionsearch-sagemaker";

    private readonly StringWriter _output = new();
    private readonly HttpClient _http = new();
    private S3rverProcess _s3 = null!;
    private AmazonS3Client _s3Client = null!;
    private SageMakerControlPlaneStandIn _sageMaker = null!;

    public async ValueTask InitializeAsync()
    {
        _s3 = await S3rverProcess.StartAsync("visionsearch-models");
        _s3Client = _s3.Client();
        _sageMaker = await SageMakerControlPlaneStandIn.StartAsync(S3rverProcess.AccessKey, S3rverProcess.SecretKey, Region);
    }

    public async ValueTask DisposeAsync()
    {
        await _sageMaker.DisposeAsync();
        _s3Client.Dispose();
        await _s3.DisposeAsync();
        _http.Dispose();
    }

    [Fact]
    public async Task A_deploy_uploads_creates_and_waits_then_a_second_deploy_changes_nothing()
    {
        var first = await Deployment().DeployAsync(Settings());

        Assert.Equal(4, first.Count);
        Assert.StartsWith("uploaded s3://visionsearch-models/visionsearch/vs-test/", first[0]);
        Assert.Equal(("created endpoint vs-test"), first[3]);
        Assert.Equal("InService", await Deployment().StatusAsync("vs-test"));
        var model = _sageMaker.Model(Assert.Single(_sageMaker.Models));
        var container = model["PrimaryContainer"]!;
        Assert.Equal("inference.py", (string?)container["Environment"]!["SAGEMAKER_PROGRAM"]);
        Assert.EndsWith("huggingface-pytorch-inference:2.6.0-transformers4.49.0-gpu-py312-cu124-ubuntu22.04", (string?)container["Image"]);
        Assert.Equal(Role, (string?)model["ExecutionRoleArn"]);

        // The archive in S3 is the model folder at the root and model/code under code/.
        var key = ((string)container["ModelDataUrl"]!)["s3://visionsearch-models/".Length..];
        var names = await ArchiveNamesAsync(key);
        Assert.Contains("code/inference.py", names);
        Assert.Contains("code/requirements.txt", names);
        Assert.Contains("config.json", names);
        Assert.Contains("onnx/text_model.onnx", names);

        var calls = _sageMaker.Calls.Count;
        var second = await Deployment().DeployAsync(Settings());

        Assert.Empty(second);
        Assert.DoesNotContain(_sageMaker.Calls.Skip(calls), c => c.Operation.StartsWith("Create", StringComparison.Ordinal) || c.Operation.StartsWith("Update", StringComparison.Ordinal));
        Assert.Single(_sageMaker.Models);
    }

    [Fact]
    public async Task A_new_instance_type_makes_a_new_config_and_updates_the_endpoint_keeping_the_model()
    {
        await Deployment().DeployAsync(Settings());

        var changes = await Deployment().DeployAsync(Settings() with { InstanceType = "ml.g5.2xlarge" }); // same GPU image, so the same model

        Assert.Equal(2, changes.Count);
        Assert.StartsWith("created endpoint config vs-test-", changes[0]);
        Assert.StartsWith("updated endpoint vs-test from vs-test-", changes[1]);
        Assert.Single(_sageMaker.Models);
        Assert.Equal(2, _sageMaker.EndpointConfigs.Count);
    }

    [Fact]
    public async Task An_endpoint_that_fails_fails_the_deploy_with_sagemakers_reason_and_a_failed_update_rolls_back()
    {
        var error = await Assert.ThrowsAsync<DeployException>(
            () => Deployment().DeployAsync(Settings() with { EndpointName = "vs-broken", InstanceType = SageMakerControlPlaneStandIn.FailingInstanceType }));
        Assert.Equal($"Endpoint vs-broken is Failed: Unable to provision requested ML compute capacity for {SageMakerControlPlaneStandIn.FailingInstanceType}.", error.Message);

        await Deployment().DeployAsync(Settings());
        var rollback = await Assert.ThrowsAsync<DeployException>(
            () => Deployment().DeployAsync(Settings() with { InstanceType = SageMakerControlPlaneStandIn.FailingInstanceType }));
        Assert.StartsWith("Endpoint vs-test rolled back to vs-test-", rollback.Message);
        Assert.Equal("InService", await Deployment().StatusAsync("vs-test"));
    }

    [Fact]
    public async Task Throttled_calls_are_retried()
    {
        _sageMaker.ThrottleNext(2);

        var changes = await Deployment().DeployAsync(Settings());

        Assert.Contains("created endpoint vs-test", changes);
        Assert.Equal(3, _sageMaker.Calls.Count(c => c.Operation == "DescribeModel")); // two throttled, then answered
    }

    [Fact]
    public async Task A_wrong_secret_is_refused_by_the_signature_check()
    {
        var api = new SageMakerApi(_http, new AwsRequestSigner(new BasicAWSCredentials(S3rverProcess.AccessKey, "wrong"), Region, "sagemaker"), _sageMaker.ServiceUrl);

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => api.CallAsync("DescribeEndpoint", new() { ["EndpointName"] = "x" }));

        Assert.Equal((System.Net.HttpStatusCode.Forbidden, "InvalidSignatureException"), (error.StatusCode, error.Code));
    }

    [Fact]
    public async Task The_command_line_deploys_reports_status_and_deletes_with_credentials_from_the_environment()
    {
        using var environment = new EnvironmentScope().Set("AWS_ACCESS_KEY_ID", S3rverProcess.AccessKey).Set("AWS_SECRET_ACCESS_KEY", S3rverProcess.SecretKey);
        string[] common = ["--region", Region, "--endpoint", "vs-cli", "--sagemaker-url", _sageMaker.ServiceUrl.ToString(), "--s3-url", _s3.Url.ToString()];

        Assert.Equal(1, await RunAsync(["status", .. common]));
        Assert.True(0 == await RunAsync(
        [
            "deploy", .. common, "--role-arn", Role, "--bucket", _s3.Bucket, "--model-dir", TestFiles.Fixture("clip-tiny"),
            "--code-dir", TestFiles.Repository("model", "code"), "--instance-type", "ml.c6i.xlarge", "--poll-interval", "00:00:00.05",
        ]), _output.ToString());
        Assert.EndsWith("vs-cli", _output.ToString().TrimEnd());
        Assert.Equal(0, await RunAsync(["status", .. common]));
        Assert.Equal(0, await RunAsync(["delete", .. common]));

        Assert.Equal(1, await RunAsync(["status", .. common]));
        Assert.Empty(_sageMaker.Endpoints);
        Assert.Empty(_sageMaker.EndpointConfigs);
        Assert.Empty(_sageMaker.Models);
        Assert.Equal(1, await RunAsync(["deploy", .. common, "--role-arn", Role, "--bucket", "no-such-bucket", "--model-dir", TestFiles.Fixture("clip-tiny"), "--code-dir", TestFiles.Repository("model", "code")]));
    }

    [Fact]
    public async Task A_large_archive_goes_up_in_parts_and_comes_back_whole()
    {
        using var data = new TempDirectory();
        var file = data.File("big.bin");
        var bytes = new byte[12 << 20];
        new Random(7).NextBytes(bytes);
        await File.WriteAllBytesAsync(file, bytes);
        var reports = new List<(long Sent, long Total)>();

        var upload = new ModelUpload(_s3Client, partSize: 5 << 20);
        Assert.True(await upload.UploadAsync(file, _s3.Bucket, "big/model.tar.gz", new SynchronousProgress(reports), CancellationToken.None));
        Assert.False(await upload.UploadAsync(file, _s3.Bucket, "big/model.tar.gz", null, CancellationToken.None));

        using var response = await _s3Client.GetObjectAsync(_s3.Bucket, "big/model.tar.gz");
        await using var body = response.ResponseStream;
        Assert.Equal(SHA256.HashData(bytes), await SHA256.HashDataAsync(body));
        Assert.Equal(bytes.Length, reports[^1].Sent);
    }

    [Fact]
    public async Task The_same_files_pack_to_the_same_bytes()
    {
        using var data = new TempDirectory();
        var folder = TestFiles.Fixture("clip-tiny");
        var code = TestFiles.Repository("model", "code");

        var first = await ModelArchive.PackAsync(folder, code, data.File("a.tar.gz"));
        await Task.Delay(1100); // file times move on; the archive must not
        var second = await ModelArchive.PackAsync(folder, code, data.File("b.tar.gz"));

        Assert.Equal(first, second);
        await Assert.ThrowsAsync<FileNotFoundException>(() => ModelArchive.PackAsync(folder, folder, data.File("c.tar.gz")));
    }

    private Deployment Deployment()
    {
        var credentials = new BasicAWSCredentials(S3rverProcess.AccessKey, S3rverProcess.SecretKey);
        var api = new SageMakerApi(_http, new AwsRequestSigner(credentials, Region, "sagemaker"), _sageMaker.ServiceUrl);
        var hub = new HubClient(_http, new HubOptions { Offline = true }, NullLogger<HubClient>.Instance);
        return new Deployment(api, new ModelUpload(_s3Client), hub, Console());
    }

    private DeploySettings Settings() => new()
    {
        Region = Region,
        EndpointName = "vs-test",
        RoleArn = Role,
        Bucket = _s3.Bucket,
        ModelDirectory = TestFiles.Fixture("clip-tiny"),
        CodeDirectory = TestFiles.Repository("model", "code"),
        PollInterval = TimeSpan.FromMilliseconds(20),
        MaxPolls = 50,
    };

    private IAnsiConsole Console() => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(_output), Interactive = InteractionSupport.No });

    private Task<int> RunAsync(string[] args) => CloudCommands.Create(Console()).Parse(args).InvokeAsync();

    private async Task<List<string>> ArchiveNamesAsync(string key)
    {
        using var response = await _s3Client.GetObjectAsync(new GetObjectRequest { BucketName = _s3.Bucket, Key = key });
        await using var gzip = new GZipStream(response.ResponseStream, CompressionMode.Decompress);
        await using var tar = new TarReader(gzip);
        var names = new List<string>();
        while (await tar.GetNextEntryAsync() is { } entry)
        {
            names.Add(entry.Name);
        }

        return names;
    }

    /// <summary>Progress reported on the caller's thread, so the last report is the last one made.</summary>
    private sealed class SynchronousProgress(List<(long Sent, long Total)> reports) : IProgress<(long Sent, long Total)>
    {
        public void Report((long Sent, long Total) value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }
}

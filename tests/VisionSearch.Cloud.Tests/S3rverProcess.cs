using System.Diagnostics;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using VisionSearch.LocalServers;
using VisionSearch.Testing;

namespace VisionSearch.Cloud.Tests;

/// <summary>
/// s3rver (npm), a real S3 server, on a free loopback port with one bucket, its data in a temporary folder.
/// It checks signatures with its fixed keys <see cref="AccessKey"/>/<see cref="SecretKey"/>.
/// </summary>
internal sealed class S3rverProcess : IAsyncDisposable
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private readonly Process _process;
    private readonly TempDirectory _data;

    private S3rverProcess(Process process, TempDirectory data, Uri url, string bucket)
    {
        _process = process;
        _data = data;
        Url = url;
        Bucket = bucket;
    }

    public Uri Url { get; }

    public string Bucket { get; }

    public static async Task<S3rverProcess> StartAsync(string bucket)
    {
        var data = new TempDirectory();
        var port = FreePort.Next();
        Process process;
        try
        {
            process = Process.Start(new ProcessStartInfo("s3rver", ["-d", data.Path, "-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--silent", "--configure-bucket", bucket])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            data.Dispose();
            Assert.SkipWhen(Environment.GetEnvironmentVariable("CI") is null, $"s3rver is not installed (npm install -g s3rver): {e.Message}");
            throw;
        }

        await Wait.UntilAsync(
            async () =>
            {
                Assert.False(process.HasExited, "s3rver exited before it listened.");
                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync("127.0.0.1", port);
                    return true;
                }
                catch (SocketException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(20),
            $"s3rver did not listen on port {port}");

        return new S3rverProcess(process, data, new Uri($"http://127.0.0.1:{port}/"), bucket);
    }

    /// <summary>An S3 client for this server, configured as the deploy tool configures one for <c>--s3-url</c>.</summary>
    public AmazonS3Client Client() => CloudCommands.S3Client(new BasicAWSCredentials(AccessKey, SecretKey), "us-east-1", Url);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _data.Dispose();
    }
}

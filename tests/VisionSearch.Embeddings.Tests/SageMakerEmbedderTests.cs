using System.Net;
using Amazon.Runtime;
using SkiaSharp;
using VisionSearch.Aws;
using VisionSearch.Embeddings.Clip;
using VisionSearch.Embeddings.SageMaker;
using VisionSearch.Testing;

namespace VisionSearch.Embeddings.Tests;

/// <summary>
/// The SageMaker embedder against a loopback SageMaker that checks every signature and embeds with the
/// clip-tiny fixture: its vectors must equal the local embedder's, and faults behave as AWS's error model says.
/// </summary>
public sealed class SageMakerEmbedderTests : IAsyncLifetime
{
    private readonly ClipEmbedder _local = ClipEmbedder.Open(new ClipModelFolder(ClipGoldens.Folder), new ClipOptions { MaxBatchSize = 8 });
    private readonly HttpClient _http = new();
    private SageMakerStandIn _standIn = null!;

    public async ValueTask InitializeAsync() => _standIn = await SageMakerStandIn.StartAsync(_local);

    public async ValueTask DisposeAsync()
    {
        await _standIn.DisposeAsync();
        _http.Dispose();
        _local.Dispose();
    }

    [Fact]
    public async Task Texts_and_images_embed_as_the_local_model_does_over_signed_requests_with_a_session_token()
    {
        var embedder = Embedder();
        var texts = ClipGoldens.Texts.Select(t => t.GetProperty("text").GetString()!).ToArray();
        var images = ClipGoldens.Images.Select(i => (ReadOnlyMemory<byte>)ClipGoldens.ImageBytes(i)).ToArray();

        AssertSame(await _local.EmbedTextsAsync(texts), await embedder.EmbedTextsAsync(texts));
        AssertSame(await _local.EmbedImagesAsync(images), await embedder.EmbedImagesAsync(images));
        Assert.Equal(512, embedder.Dimension);
        Assert.All(_standIn.Invocations, i => Assert.True(i.Items <= 32));
        Assert.Equal((texts.Length + 31) / 32 + (images.Length + 31) / 32, _standIn.Invocations.Count);
    }

    [Fact]
    public async Task Bursts_of_503_and_429_are_retried_and_succeed()
    {
        _standIn.FailNext(2, 503);
        _standIn.FailNext(1, 429);
        _standIn.FailNext(1, 500); // four failures: the default five attempts just suffice

        var vectors = await Embedder().EmbedTextsAsync(["a photo of a cat"]);

        AssertSame(await _local.EmbedTextsAsync(["a photo of a cat"]), vectors);
        Assert.Equal(5, _standIn.Invocations.Count);
    }

    [Fact]
    public async Task Throttling_that_outlasts_the_attempts_surfaces_the_last_error()
    {
        _standIn.FailNext(3, 429);

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => Embedder(new SageMakerOptions { MaxAttempts = 3 }).EmbedTextsAsync(["x"]));

        Assert.Equal((HttpStatusCode.TooManyRequests, "ThrottlingException"), (error.StatusCode, error.Code));
        Assert.Equal(3, _standIn.Invocations.Count);
    }

    [Fact]
    public async Task A_model_error_is_not_retried_and_names_the_image_with_the_scripts_message()
    {
        var good = ClipGoldens.ImageBytes(ClipGoldens.Image("square_224x224"));

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Embedder().EmbedImagesAsync([good, "not an image"u8.ToArray()]));

        Assert.Equal("Images 0–1: images[1] is not an image (12 bytes).", error.Message);
        var model = Assert.IsType<SageMakerModelException>(error.InnerException);
        Assert.Equal((400, "visionsearch-clip"), (model.OriginalStatusCode, model.Endpoint));
        Assert.StartsWith("arn:aws:logs:", model.LogStreamArn);
        Assert.Single(_standIn.Invocations);
    }

    [Fact]
    public async Task A_validation_error_is_not_retried()
    {
        var error = await Assert.ThrowsAsync<AwsServiceException>(() => Embedder(endpoint: "no-such-endpoint").EmbedTextsAsync(["x"]));

        Assert.Equal((HttpStatusCode.BadRequest, "ValidationError"), (error.StatusCode, error.Code));
        Assert.Contains("Endpoint no-such-endpoint of account", error.Message);
        Assert.Single(_standIn.Invocations);
    }

    [Fact]
    public async Task A_wrong_secret_is_refused_by_the_signature_check_and_not_retried()
    {
        var embedder = Embedder(credentials: new BasicAWSCredentials(SageMakerStandIn.AccessKey, "not-the-secret"));

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => embedder.EmbedTextsAsync(["x"]));

        Assert.Equal((HttpStatusCode.Forbidden, "InvalidSignatureException"), (error.StatusCode, error.Code));
        Assert.Empty(_standIn.Invocations);
    }

    [Fact]
    public async Task Images_over_six_megabytes_in_all_are_split_into_requests_under_the_limit()
    {
        var images = Enumerable.Range(0, 8).Select(seed => (ReadOnlyMemory<byte>)NoisePng(600, seed)).ToArray();
        Assert.True(images.Sum(i => i.Length) * 4 / 3 > SageMakerOptions.PayloadLimit);

        var vectors = await Embedder().EmbedImagesAsync(images);

        AssertSame(await _local.EmbedImagesAsync(images), vectors);
        Assert.Equal(2, _standIn.Invocations.Count);
        Assert.All(_standIn.Invocations, i => Assert.InRange(i.Bytes, 1, SageMakerOptions.PayloadLimit));
        Assert.Equal(8, _standIn.Invocations.Sum(i => i.Items));
    }

    [Fact]
    public async Task An_endpoint_running_the_originals_script_gets_raw_images_and_answers_in_tuples()
    {
        _standIn.TupleOutput = true;
        var images = ClipGoldens.Images.Take(3).Select(i => (ReadOnlyMemory<byte>)ClipGoldens.ImageBytes(i)).ToArray();

        var vectors = await Embedder(new SageMakerOptions { ImageBatches = false }).EmbedImagesAsync(images);

        AssertSame(await _local.EmbedImagesAsync(images), vectors);
        Assert.Equal(3, _standIn.Invocations.Count);
        Assert.All(_standIn.Invocations, i => Assert.StartsWith("image/", i.ContentType));
    }

    [Fact]
    public async Task An_attempt_past_the_timeout_is_retried_then_reported()
    {
        _standIn.Delay(TimeSpan.FromSeconds(5));

        var error = await Assert.ThrowsAsync<TimeoutException>(
            () => Embedder(new SageMakerOptions { MaxAttempts = 2, Timeout = TimeSpan.FromSeconds(1) }).EmbedTextsAsync(["x"]));

        Assert.Contains("did not answer within", error.Message);
        Assert.Equal(2, _standIn.Invocations.Count);
    }

    [Fact]
    public async Task Cancellation_stops_a_call_waiting_for_the_endpoint()
    {
        _standIn.Delay(TimeSpan.FromSeconds(30));
        using var cancel = new CancellationTokenSource();

        // Cancelled once the endpoint holds the call, not after a fixed time: a loaded machine
        // can take longer than that to send the first request, and then nothing was waiting.
        var started = DateTime.UtcNow;
        var call = Embedder().EmbedTextsAsync(["x"], cancel.Token);
        await Wait.UntilAsync(() => Task.FromResult(!_standIn.Invocations.IsEmpty), TimeSpan.FromSeconds(10), "the endpoint to receive the call");
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
        Assert.Single(_standIn.Invocations);
    }

    private SageMakerEmbedder Embedder(SageMakerOptions? options = null, AWSCredentials? credentials = null, string? endpoint = null)
    {
        options ??= new SageMakerOptions();
        options.ServiceUrl = _standIn.ServiceUrl;
        options.Region = SageMakerStandIn.Region;
        options.RetryDelay = TimeSpan.FromMilliseconds(5);
        return SageMakerEmbedder.Create(
            _http, options, credentials ?? new SessionAWSCredentials(SageMakerStandIn.AccessKey, SageMakerStandIn.SecretKey, SageMakerStandIn.SessionToken),
            endpoint ?? _standIn.Endpoint);
    }

    private static byte[] NoisePng(int size, int seed)
    {
        var random = new Random(seed);
        using var bitmap = new SKBitmap(size, size, SKColorType.Rgba8888, SKAlphaType.Opaque);
        var pixels = new byte[size * size * 4];
        random.NextBytes(pixels);
        for (var i = 3; i < pixels.Length; i += 4)
        {
            pixels[i] = 255;
        }

        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static void AssertSame(float[][] expected, float[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var worst = expected[i].Zip(actual[i], (e, a) => Math.Abs(e - a)).Max();
            Assert.True(worst <= 1e-6, $"vector {i}: max |Δ| = {worst:E2}");
        }
    }
}

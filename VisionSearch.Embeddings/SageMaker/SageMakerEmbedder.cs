using Amazon.Runtime;
using VisionSearch.Aws;

namespace VisionSearch.Embeddings.SageMaker;

/// <summary>
/// CLIP on a SageMaker endpoint, behind the same interface as the local embedder: inputs cut into requests
/// of at most <see cref="SageMakerOptions.MaxBatchSize"/> items and <see cref="SageMakerOptions.MaxPayloadBytes"/>
/// bytes, vectors normalised again (idempotent for VisionSearch's endpoint, and it makes a raw-projection
/// endpoint safe). The model's own errors become an <see cref="InvalidDataException"/> naming the items, as
/// the local embedder's undecodable images do.
/// </summary>
public sealed class SageMakerEmbedder(SageMakerRuntime runtime, string endpoint, SageMakerOptions options) : IMultimodalEmbedder
{
    private int _dimension;

    public string Endpoint { get; } = endpoint;

    /// <summary>
    /// An embedder on <paramref name="endpoint"/> in the configured region (or AWS_REGION's) with <paramref name="credentials"/>;
    /// its metrics go to <paramref name="instruments"/> (none without).
    /// </summary>
    public static SageMakerEmbedder Create(HttpClient http, SageMakerOptions options, AWSCredentials credentials, string endpoint, EmbeddingInstruments? instruments = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var signer = new AwsRequestSigner(credentials, AwsEnvironment.Region(options.Region), "sagemaker");
        return new SageMakerEmbedder(new SageMakerRuntime(http, signer, options, instruments), endpoint, options);
    }

    public string Provider => "aws.sagemaker";

    public int? Dimension => _dimension > 0 ? _dimension : null;

    public Task<float[][]> EmbedTextsAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return EmbedAsync(texts.Count, "Text", SageMakerWire.Texts(texts, options.MaxBatchSize, options.MaxPayloadBytes), cancellationToken);
    }

    public Task<float[][]> EmbedImagesAsync(IReadOnlyList<ReadOnlyMemory<byte>> images, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        return EmbedAsync(
            images.Count, "Image", SageMakerWire.Images(images, options.MaxBatchSize, options.MaxPayloadBytes, options.ImageBatches), cancellationToken);
    }

    private async Task<float[][]> EmbedAsync(int count, string kind, IEnumerable<SageMakerWire.Request> requests, CancellationToken cancellationToken)
    {
        using var activity = EmbeddingInstruments.ActivitySource.StartActivity($"embed.{kind.ToLowerInvariant()}");
        activity?.SetTag("visionsearch.items", count);
        activity?.SetTag("aws.sagemaker.endpoint", Endpoint);
        var vectors = new float[count][];
        foreach (var request in requests)
        {
            byte[] answer;
            try
            {
                answer = await runtime.InvokeAsync(Endpoint, request.ContentType, request.Body, request.Count, cancellationToken);
            }
            catch (SageMakerModelException e)
            {
                var items = request.Count == 1 ? $"{kind} {request.First}" : $"{kind}s {request.First}–{request.First + request.Count - 1}";
                throw new InvalidDataException($"{items}: {e.ScriptMessage}", e);
            }

            var embedded = SageMakerWire.ReadVectors(answer, request.Count, Endpoint);
            CheckDimension(embedded[0].Length);
            for (var i = 0; i < embedded.Length; i++)
            {
                vectors[request.First + i] = UnitVectors.Normalize(embedded[i]);
            }
        }

        return vectors;
    }

    private void CheckDimension(int length)
    {
        var known = Interlocked.CompareExchange(ref _dimension, length, 0);
        if (known != 0 && known != length)
        {
            throw new InvalidOperationException($"SageMaker endpoint '{Endpoint}' answered {length}-float vectors after {known}-float ones: was it redeployed with another model?");
        }
    }
}

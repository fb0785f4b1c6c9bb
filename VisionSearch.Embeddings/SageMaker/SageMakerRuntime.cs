using System.Diagnostics;
using Polly;
using VisionSearch.Aws;

namespace VisionSearch.Embeddings.SageMaker;

/// <summary>
/// SageMaker Runtime's InvokeEndpoint over signed HTTP (<c>POST /endpoints/{name}/invocations</c>, SigV4
/// with signing name <c>sagemaker</c>): a timeout per attempt, AWS's standard retries with jittered
/// back-off on throttling, 5xx, timeouts and dropped connections, ModelError as
/// <see cref="SageMakerModelException"/>, other errors as <see cref="AwsServiceException"/>.
/// </summary>
public sealed class SageMakerRuntime
{
    private readonly HttpClient _http;
    private readonly AwsRequestSigner _signer;
    private readonly Uri _baseUrl;
    private readonly TimeSpan _timeout;
    /// <summary>Which endpoint a call goes to, for the retry metric.</summary>
    private static readonly ResiliencePropertyKey<string> Endpoint = new("sagemaker.endpoint");

    private readonly ResiliencePipeline _retry;
    private readonly EmbeddingInstruments? _instruments;

    /// <summary>
    /// A runtime client whose calls are counted on <paramref name="instruments"/> (not at all without) and whose retries
    /// wait on <paramref name="time"/> (the system's clock without).
    /// </summary>
    public SageMakerRuntime(HttpClient http, AwsRequestSigner signer, SageMakerOptions options, EmbeddingInstruments? instruments = null, TimeProvider? time = null)
    {
        _instruments = instruments;
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _signer = signer;
        _baseUrl = options.ServiceUrl ?? new Uri($"https://runtime.sagemaker.{signer.Region}.amazonaws.com/");
        _timeout = options.Timeout;
        _retry = new AwsRetryPolicy { MaxAttempts = options.MaxAttempts, BaseDelay = options.RetryDelay, MaxDelay = options.MaxRetryDelay }
            .Build((context, _, error, _) => _instruments?.RecordSageMakerRetry(context.Properties.GetValue(Endpoint, ""), error), time);
    }

    /// <summary>Sends <paramref name="body"/> to <paramref name="endpoint"/> and returns the model's answer.</summary>
    public async Task<byte[]> InvokeAsync(string endpoint, string contentType, ReadOnlyMemory<byte> body, int items, CancellationToken cancellationToken = default)
    {
        var url = new Uri(_baseUrl, $"endpoints/{Uri.EscapeDataString(endpoint)}/invocations");
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(Endpoint, endpoint);
        try
        {
            return await _retry.ExecuteAsync(async c => await AttemptAsync(url, endpoint, contentType, body, items, c.CancellationToken), context);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async Task<byte[]> AttemptAsync(Uri url, string endpoint, string contentType, ReadOnlyMemory<byte> body, int items, CancellationToken cancellationToken)
    {
        using var activity = EmbeddingInstruments.ActivitySource.StartActivity("sagemaker.invoke", ActivityKind.Client);
        activity?.SetTag("aws.sagemaker.endpoint", endpoint);
        activity?.SetTag("visionsearch.items", items);
        activity?.SetTag("http.request.body.size", body.Length);
        var start = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        var outcome = "error";
        try
        {
            var answer = await _signer.PostAsync(_http, url, contentType, body, [KeyValuePair.Create("Accept", SageMakerWire.Json)], timeout.Token);
            outcome = "ok";
            return answer;
        }
        catch (AwsServiceException e)
        {
            outcome = e.Code;
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            if (e.Code == "ModelError" || (int)e.StatusCode == 424)
            {
                throw SageMakerModelException.From(endpoint, e);
            }

            throw;
        }
        catch (OperationCanceledException e) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            outcome = "timeout";
            throw new TimeoutException($"SageMaker endpoint '{endpoint}' did not answer within {_timeout.TotalSeconds:0} s.", e);
        }
        catch (HttpRequestException e)
        {
            outcome = "connection";
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw;
        }
        finally
        {
            _instruments?.RecordSageMakerCall(endpoint, outcome, items, Stopwatch.GetElapsedTime(start));
        }
    }
}

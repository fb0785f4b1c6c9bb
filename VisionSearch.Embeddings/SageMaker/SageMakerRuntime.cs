using System.Diagnostics;
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
    private readonly AwsRetryPolicy _retry;
    private readonly EmbeddingInstruments? _instruments;

    /// <summary>A runtime client whose calls are counted on <paramref name="instruments"/> (not at all without).</summary>
    public SageMakerRuntime(HttpClient http, AwsRequestSigner signer, SageMakerOptions options, EmbeddingInstruments? instruments = null)
    {
        _instruments = instruments;
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _signer = signer;
        _baseUrl = options.ServiceUrl ?? new Uri($"https://runtime.sagemaker.{signer.Region}.amazonaws.com/");
        _timeout = options.Timeout;
        _retry = new AwsRetryPolicy { MaxAttempts = options.MaxAttempts, BaseDelay = options.RetryDelay, MaxDelay = options.MaxRetryDelay };
    }

    /// <summary>Sends <paramref name="body"/> to <paramref name="endpoint"/> and returns the model's answer.</summary>
    public Task<byte[]> InvokeAsync(string endpoint, string contentType, ReadOnlyMemory<byte> body, int items, CancellationToken cancellationToken = default)
    {
        var url = new Uri(_baseUrl, $"endpoints/{Uri.EscapeDataString(endpoint)}/invocations");
        return _retry.ExecuteAsync(
            ct => AttemptAsync(url, endpoint, contentType, body, items, ct),
            (retry, error, delay) => _instruments?.RecordSageMakerRetry(endpoint, error),
            cancellationToken);
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

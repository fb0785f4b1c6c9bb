using System.Diagnostics;
using System.Net.Http.Headers;
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

    public SageMakerRuntime(HttpClient http, AwsRequestSigner signer, SageMakerOptions options)
    {
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
            (retry, error, delay) => EmbeddingInstruments.RecordSageMakerRetry(endpoint, error),
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
        string outcome = "error";
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ReadOnlyMemoryContent(body) };
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            request.Headers.Accept.ParseAdd("application/json");
            await _signer.SignAsync(request, body, timeout.Token);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            var answer = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            activity?.SetTag("http.response.status_code", (int)response.StatusCode);
            if (response.IsSuccessStatusCode)
            {
                outcome = "ok";
                return answer;
            }

            var error = AwsServiceException.FromResponse(response, answer);
            outcome = error.Code;
            activity?.SetStatus(ActivityStatusCode.Error, error.Message);
            throw error.Code == "ModelError" || (int)response.StatusCode == 424 ? SageMakerModelException.From(endpoint, error) : error;
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
            EmbeddingInstruments.RecordSageMakerCall(endpoint, outcome, items, Stopwatch.GetElapsedTime(start));
        }
    }
}

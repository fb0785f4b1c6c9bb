using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace VisionSearch.Embeddings;

/// <summary>The library's OpenTelemetry names: one Meter and one ActivitySource, both <see cref="Name"/>.</summary>
public static class EmbeddingInstruments
{
    public const string Name = "VisionSearch.Embeddings";

    public static readonly ActivitySource ActivitySource = new(Name);

    private static readonly Meter Meter = new(Name);
    private static readonly Histogram<double> RunDuration = Meter.CreateHistogram<double>(
        "visionsearch.embedding.run.duration", "s", "Time inside the model (session.Run) per batch.");
    private static readonly Histogram<double> PrepareDuration = Meter.CreateHistogram<double>(
        "visionsearch.embedding.prepare.duration", "s", "Time tokenizing or decoding and resizing per batch.");
    private static readonly Counter<long> Items = Meter.CreateCounter<long>(
        "visionsearch.embedding.items", "{item}", "Texts and images embedded.");

    private static readonly Counter<long> SageMakerCalls = Meter.CreateCounter<long>(
        "visionsearch.sagemaker.calls", "{call}", "InvokeEndpoint attempts, by endpoint and outcome (ok, an error code, timeout, connection).");
    private static readonly Counter<long> SageMakerItems = Meter.CreateCounter<long>(
        "visionsearch.sagemaker.items", "{item}", "Texts and images sent to SageMaker endpoints, per attempt.");
    private static readonly Histogram<double> SageMakerDuration = Meter.CreateHistogram<double>(
        "visionsearch.sagemaker.duration", "s", "InvokeEndpoint latency per attempt, from the request to the whole answer.");
    private static readonly Counter<long> SageMakerRetries = Meter.CreateCounter<long>(
        "visionsearch.sagemaker.retries", "{retry}", "InvokeEndpoint attempts retried after throttling, a 5xx, a timeout or a dropped connection.");

    internal static void RecordSageMakerCall(string endpoint, string outcome, int items, TimeSpan elapsed)
    {
        var endpointTag = new KeyValuePair<string, object?>("aws.sagemaker.endpoint", endpoint);
        SageMakerCalls.Add(1, endpointTag, new KeyValuePair<string, object?>("visionsearch.outcome", outcome));
        SageMakerItems.Add(items, endpointTag);
        if (SageMakerDuration.Enabled)
        {
            SageMakerDuration.Record(elapsed.TotalSeconds, endpointTag);
        }
    }

    internal static void RecordSageMakerRetry(string endpoint, Exception error) =>
        SageMakerRetries.Add(
            1,
            new KeyValuePair<string, object?>("aws.sagemaker.endpoint", endpoint),
            new KeyValuePair<string, object?>("error.type", error is Aws.AwsServiceException aws ? aws.Code : error.GetType().Name));

    internal static void RecordRun(string output, TimeSpan elapsed)
    {
        if (RunDuration.Enabled)
        {
            RunDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("visionsearch.output", output));
        }
    }

    internal static void RecordPrepare(string kind, TimeSpan elapsed, int items)
    {
        if (PrepareDuration.Enabled)
        {
            PrepareDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("visionsearch.kind", kind));
        }

        Items.Add(items, new KeyValuePair<string, object?>("visionsearch.kind", kind));
    }
}

using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace VisionSearch.Embeddings;

/// <summary>
/// The library's OpenTelemetry instruments, on a meter named <see cref="Name"/> made by the host's
/// <see cref="IMeterFactory"/>, so each host owns (and disposes) its meter and a test can listen to one host alone. An
/// embedder opened without instruments records no metrics; its traces still go to <see cref="ActivitySource"/>.
/// </summary>
public sealed class EmbeddingInstruments
{
    public const string Name = "VisionSearch.Embeddings";

    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Histogram<double> _runDuration;
    private readonly Histogram<double> _prepareDuration;
    private readonly Counter<long> _items;
    private readonly Counter<long> _sageMakerCalls;
    private readonly Counter<long> _sageMakerItems;
    private readonly Histogram<double> _sageMakerDuration;
    private readonly Counter<long> _sageMakerRetries;
    private readonly Counter<long> _cacheHits;
    private readonly Counter<long> _cacheMisses;
    private long _cacheBytes = -1;
    private long _cacheEntries = -1;

    public EmbeddingInstruments(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(Name);
        _runDuration = meter.CreateHistogram<double>("visionsearch.embedding.run.duration", "s", "Time inside the model (session.Run) per batch.");
        _prepareDuration = meter.CreateHistogram<double>("visionsearch.embedding.prepare.duration", "s", "Time tokenizing or decoding and resizing per batch.");
        _items = meter.CreateCounter<long>("visionsearch.embedding.items", "{item}", "Texts and images embedded.");
        _sageMakerCalls = meter.CreateCounter<long>(
            "visionsearch.sagemaker.calls", "{call}", "InvokeEndpoint attempts, by endpoint and outcome (ok, an error code, timeout, connection).");
        _sageMakerItems = meter.CreateCounter<long>("visionsearch.sagemaker.items", "{item}", "Texts and images sent to SageMaker endpoints, per attempt.");
        _sageMakerDuration = meter.CreateHistogram<double>(
            "visionsearch.sagemaker.duration", "s", "InvokeEndpoint latency per attempt, from the request to the whole answer.");
        _sageMakerRetries = meter.CreateCounter<long>(
            "visionsearch.sagemaker.retries", "{retry}", "InvokeEndpoint attempts retried after throttling, a 5xx, a timeout or a dropped connection.");
        _cacheHits = meter.CreateCounter<long>("visionsearch.embedding.cache.hits", "{item}", "Texts and images whose vector the embedding cache held.");
        _cacheMisses = meter.CreateCounter<long>("visionsearch.embedding.cache.misses", "{item}", "Texts and images the embedding cache did not hold, embedded then stored.");
        meter.CreateObservableGauge(
            "visionsearch.embedding.cache.size", () => Observed(_cacheBytes), "By", "The shared embedding cache's size, as this process last saw it.");
        meter.CreateObservableGauge(
            "visionsearch.embedding.cache.entries", () => Observed(_cacheEntries), "{entry}", "Vectors in the shared embedding cache, as this process last saw it.");
    }

    /// <summary>What the shared embedding cache holds, as its last store reported it.</summary>
    public void RecordCacheSize(long bytes, long entries)
    {
        Interlocked.Exchange(ref _cacheBytes, bytes);
        Interlocked.Exchange(ref _cacheEntries, entries);
    }

    internal void RecordCacheLookups(string kind, int hits, int misses)
    {
        var kindTag = new KeyValuePair<string, object?>("visionsearch.kind", kind);
        _cacheHits.Add(hits, kindTag);
        _cacheMisses.Add(misses, kindTag);
    }

    private static IEnumerable<Measurement<long>> Observed(long value) => value < 0 ? [] : [new Measurement<long>(value)];

    internal void RecordSageMakerCall(string endpoint, string outcome, int items, TimeSpan elapsed)
    {
        var endpointTag = new KeyValuePair<string, object?>("aws.sagemaker.endpoint", endpoint);
        _sageMakerCalls.Add(1, endpointTag, new KeyValuePair<string, object?>("visionsearch.outcome", outcome));
        _sageMakerItems.Add(items, endpointTag);
        if (_sageMakerDuration.Enabled)
        {
            _sageMakerDuration.Record(elapsed.TotalSeconds, endpointTag);
        }
    }

    internal void RecordSageMakerRetry(string endpoint, Exception error) =>
        _sageMakerRetries.Add(
            1,
            new KeyValuePair<string, object?>("aws.sagemaker.endpoint", endpoint),
            new KeyValuePair<string, object?>("error.type", error is Aws.AwsServiceException aws ? aws.Code : error.GetType().Name));

    internal void RecordRun(string output, TimeSpan elapsed)
    {
        if (_runDuration.Enabled)
        {
            _runDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("visionsearch.output", output));
        }
    }

    internal void RecordPrepare(string kind, TimeSpan elapsed, int items)
    {
        if (_prepareDuration.Enabled)
        {
            _prepareDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("visionsearch.kind", kind));
        }

        _items.Add(items, new KeyValuePair<string, object?>("visionsearch.kind", kind));
    }
}

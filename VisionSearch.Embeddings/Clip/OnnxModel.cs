using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;

namespace VisionSearch.Embeddings.Clip;

/// <summary>
/// One ONNX model with a bounded number of concurrent runs. <c>InferenceSession.Run</c> is thread-safe;
/// the semaphore keeps callers from oversubscribing the cores, each run using its share of threads.
/// </summary>
internal sealed class OnnxModel : IDisposable
{
    private readonly InferenceSession _session;
    private readonly SemaphoreSlim _runs;

    /// <summary>Default options, made once: a native object per run costs more than this tiny model's layers.</summary>
    private readonly RunOptions _runOptions = new();

    private readonly string[] _outputNames;
    private readonly EmbeddingInstruments? _instruments;

    /// <summary>Loads <paramref name="path"/>, a model of <paramref name="folder"/>, opened as the folder opens its files.</summary>
    public OnnxModel(ClipModelFolder folder, string path, ClipOptions options, string preferredOutput, EmbeddingInstruments? instruments)
    {
        _instruments = instruments;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The ONNX model '{path}' does not exist.", path);
        }

        var threads = options.IntraOpThreads > 0 ? options.IntraOpThreads : Math.Max(1, Environment.ProcessorCount / options.MaxConcurrentRuns);
        using var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
        };
        _session = folder.Load(path, opened => new InferenceSession(opened, sessionOptions));
        _runs = new SemaphoreSlim(options.MaxConcurrentRuns);
        Inputs = [.. _session.InputMetadata.Keys];
        Output = _session.OutputMetadata.ContainsKey(preferredOutput)
            ? preferredOutput
            : _session.OutputMetadata.First(o => o.Value.Dimensions.Length == 2).Key;
        Dimension = _session.OutputMetadata[Output].Dimensions[^1];
        _outputNames = [Output];
    }

    /// <summary>The model's input names: feeds are built from these, so an export without <c>attention_mask</c> works too.</summary>
    public IReadOnlyList<string> Inputs { get; }

    public string Output { get; }

    /// <summary>The embedding length (512 for CLIP ViT-B/32).</summary>
    public int Dimension { get; }

    /// <summary>The element type the model wants for <paramref name="input"/>.</summary>
    public Type ElementType(string input) => _session.InputMetadata[input].ElementType;

    /// <summary>
    /// Runs the model with its output written straight into <paramref name="output"/>, a [batch, <see cref="Dimension"/>]
    /// tensor over the caller's buffer: no native output to allocate, copy and free per run.
    /// </summary>
    public async Task RunAsync(IReadOnlyList<string> names, IReadOnlyList<OrtValue> values, OrtValue output, CancellationToken cancellationToken)
    {
        await _runs.WaitAsync(cancellationToken);
        try
        {
            using var activity = EmbeddingInstruments.ActivitySource.StartActivity("onnx.run");
            activity?.SetTag("visionsearch.output", Output);
            var start = Stopwatch.GetTimestamp();
            _session.Run(_runOptions, names, values, _outputNames, [output]);
            _instruments?.RecordRun(Output, Stopwatch.GetElapsedTime(start));
        }
        finally
        {
            _runs.Release();
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
        _runs.Dispose();
    }
}

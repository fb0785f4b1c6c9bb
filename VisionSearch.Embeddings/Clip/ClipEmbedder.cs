using System.Buffers;
using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;

namespace VisionSearch.Embeddings.Clip;

/// <summary>
/// CLIP text and image embeddings on ONNX Runtime: inputs cut into batches of
/// <see cref="ClipOptions.MaxBatchSize"/>, the next batches prepared (tokenised, or decoded and resized on
/// all cores) while the current one runs, outputs L2-normalised (the ONNX exports return raw
/// projections) while the next one runs. Safe for concurrent callers.
/// </summary>
public sealed class ClipEmbedder : IMultimodalEmbedder, IDisposable
{
    private readonly OnnxModel _text;
    private readonly OnnxModel _vision;
    private readonly int _batchSize;

    /// <summary>The fewest texts handed to the pool at once (see <see cref="EmbedAsync"/>).</summary>
    private const int TextsPerChunk = 64;

    private readonly EmbeddingInstruments? _instruments;

    private ClipEmbedder(ClipModelFolder folder, ClipOptions options, EmbeddingInstruments? instruments)
    {
        _instruments = instruments;
        Tokenizer = ClipTokenizer.FromFolder(folder);
        ImageProcessor = ClipImageProcessor.FromFolder(folder);
        _text = new OnnxModel(folder, folder.TextModel, options, "text_embeds", instruments);
        _vision = new OnnxModel(folder, folder.VisionModel, options, "image_embeds", instruments);
        _batchSize = options.MaxBatchSize;
        if (_text.Dimension != _vision.Dimension)
        {
            throw new InvalidDataException($"The text model embeds in {_text.Dimension} dimensions, the vision model in {_vision.Dimension}.");
        }
    }

    public ClipTokenizer Tokenizer { get; }

    public ClipImageProcessor ImageProcessor { get; }

    /// <summary>The embedding length, shared by texts and images.</summary>
    public int Dimension => _text.Dimension;

    public string Provider => "onnxruntime";

    int? IMultimodalEmbedder.Dimension => Dimension;

    /// <summary>
    /// Loads both towers, the tokenizer and the preprocessor settings from <paramref name="folder"/>; its metrics go to
    /// <paramref name="instruments"/> (none without).
    /// </summary>
    public static ClipEmbedder Open(ClipModelFolder folder, ClipOptions options, EmbeddingInstruments? instruments = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(options);
        return new ClipEmbedder(folder, options, instruments);
    }

    /// <summary>One unit-length vector per text, in order.</summary>
    public Task<float[][]> EmbedTextsAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return EmbedAsync(texts.Count, "text", _text, Math.Max(_batchSize, TextsPerChunk) / _batchSize * _batchSize, prepareAhead: 1, (first, count) => PrepareTexts(texts, first, count), cancellationToken);
    }

    /// <summary>One unit-length vector per encoded image (JPEG, PNG, GIF, WebP, BMP), in order.</summary>
    /// <exception cref="InvalidDataException">An image cannot be decoded; the message names its position.</exception>
    public Task<float[][]> EmbedImagesAsync(IReadOnlyList<ReadOnlyMemory<byte>> images, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        return EmbedAsync(images.Count, "image", _vision, _batchSize, prepareAhead: 2, (first, count) => PrepareImages(images, first, count), cancellationToken);
    }

    public void Dispose()
    {
        _text.Dispose();
        _vision.Dispose();
    }

    /// <summary>
    /// Runs the batches one after another, in chunks of whole batches: a chunk is prepared on the pool as one task, its
    /// batches run, and its outputs are normalised on the pool as one task while the next chunk runs. Each hand-off to
    /// the pool can wake a sleeping thread, which costs more than tokenising a text, so a text chunk spans at least
    /// <see cref="TextsPerChunk"/> texts; decoding an image costs far more than a wake, so an image chunk is one batch.
    /// <c>prepareAhead</c> chunks are prepared while one runs: an image batch takes longer to decode and resize than to
    /// run, so two prepare at once and keep both cores busy; a text chunk tokenises in a fraction of its runs.
    /// </summary>
    private async Task<float[][]> EmbedAsync(
        int total, string kind, OnnxModel model, int chunkSize, int prepareAhead, Func<int, int, Batch> prepare, CancellationToken cancellationToken)
    {
        using var activity = EmbeddingInstruments.ActivitySource.StartActivity($"embed.{kind}");
        activity?.SetTag("visionsearch.items", total);
        var vectors = new float[total][];
        var normalized = new List<Task>();
        var prepared = new Queue<Task<Chunk>>();
        var unprepared = 0;
        void PrepareAhead()
        {
            for (; prepared.Count < prepareAhead && unprepared < total; unprepared += chunkSize)
            {
                var from = unprepared;
                prepared.Enqueue(Task.Run(() => PrepareChunk(model.Dimension, from, Math.Min(chunkSize, total - from), prepare), cancellationToken));
            }
        }

        PrepareAhead();
        try
        {
            while (prepared.TryDequeue(out var next))
            {
                var chunk = await next;
                using (chunk)
                {
                    PrepareAhead();
                    foreach (var (batch, output) in chunk.Runs)
                    {
                        await model.RunAsync(batch.Names, batch.Values, output, cancellationToken);
                    }
                }

                normalized.Add(Task.Run(() => chunk.NormalizeInto(vectors), cancellationToken));
            }

            await Task.WhenAll(normalized);
            return vectors;
        }
        finally
        {
            // After a failure (an undecodable image, a cancelled call), chunks prepared ahead still release their buffers.
            while (prepared.TryDequeue(out var pending))
            {
                _ = pending.ContinueWith(t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            }
        }
    }

    private Chunk PrepareChunk(int dimension, int first, int count, Func<int, int, Batch> prepare)
    {
        var chunk = new Chunk(first, count, dimension);
        try
        {
            for (var at = 0; at < count; at += _batchSize)
            {
                chunk.Add(prepare(first + at, Math.Min(_batchSize, count - at)));
            }

            return chunk;
        }
        catch
        {
            chunk.Dispose();
            throw;
        }
    }

    private Batch PrepareTexts(IReadOnlyList<string> texts, int first, int count)
    {
        var start = Stopwatch.GetTimestamp();
        var ids = new int[count][];
        for (var i = 0; i < count; i++)
        {
            ids[i] = Tokenizer.Encode(texts[first + i]);
        }

        // Right padding never changes CLIP's pooled output (causal mask, first-eos pooling): pad to the longest.
        var length = ids.Max(t => t.Length);
        var batch = new Batch(count);
        foreach (var input in _text.Inputs)
        {
            var isMask = input == "attention_mask";
            var values = new long[count * length];
            for (var i = 0; i < count; i++)
            {
                for (var j = 0; j < length; j++)
                {
                    values[(i * length) + j] = isMask ? (j < ids[i].Length ? 1 : 0) : (j < ids[i].Length ? ids[i][j] : Tokenizer.EndId);
                }
            }

            batch.Add(input, _text.ElementType(input) == typeof(int)
                ? OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(values, v => (int)v), [count, length])
                : OrtValue.CreateTensorValueFromMemory(values, [count, length]));
        }

        _instruments?.RecordPrepare("text", Stopwatch.GetElapsedTime(start), count);
        return batch;
    }

    private Batch PrepareImages(IReadOnlyList<ReadOnlyMemory<byte>> images, int first, int count)
    {
        var start = Stopwatch.GetTimestamp();
        var size = ImageProcessor.ValuesPerImage;
        var batch = new Batch(count);
        var pixels = batch.Rent(count * size);
        try
        {
            Parallel.For(0, count, i =>
            {
                try
                {
                    ImageProcessor.Preprocess(images[first + i].Span, pixels.Span.Slice(i * size, size));
                }
                catch (InvalidDataException e)
                {
                    throw new InvalidDataException($"Image {first + i}: {e.Message}", e);
                }
            });
        }
        catch (AggregateException e) when (e.InnerExceptions[0] is InvalidDataException invalid)
        {
            batch.Dispose();
            throw invalid;
        }

        batch.Add(_vision.Inputs[0], OrtValue.CreateTensorValueFromMemory(
            OrtMemoryInfo.DefaultInstance, pixels, [count, 3, ImageProcessor.CropHeight, ImageProcessor.CropWidth]));
        _instruments?.RecordPrepare("image", Stopwatch.GetElapsedTime(start), count);
        return batch;
    }

    /// <summary>A prepared batch: the model's feeds, which own pinned buffers until disposed, and the pooled arrays behind them.</summary>
    private sealed class Batch(int count) : IDisposable
    {
        private readonly List<string> _names = [];
        private readonly List<OrtValue> _values = [];
        private readonly List<float[]> _rented = [];

        public int Count { get; } = count;

        public IReadOnlyList<string> Names => _names;

        public IReadOnlyList<OrtValue> Values => _values;

        public void Add(string name, OrtValue value)
        {
            _names.Add(name);
            _values.Add(value);
        }

        /// <summary>
        /// A buffer of <paramref name="length"/> floats from the shared pool, returned when the batch is disposed: an
        /// image batch's input is 600 KB per image, which allocated fresh would land on the large-object heap each time.
        /// </summary>
        public Memory<float> Rent(int length)
        {
            var array = ArrayPool<float>.Shared.Rent(length);
            _rented.Add(array);
            return array.AsMemory(0, length);
        }

        public void Dispose()
        {
            foreach (var value in _values)
            {
                value.Dispose();
            }

            foreach (var array in _rented)
            {
                ArrayPool<float>.Shared.Return(array);
            }

            _rented.Clear();
        }
    }

    /// <summary>
    /// Consecutive prepared batches, from item <see cref="First"/> on, each with a [count, dimension] output tensor over
    /// its slice of one pooled buffer. Disposing releases the batches and tensors; <see cref="NormalizeInto"/> then turns
    /// the outputs into unit vectors and returns the buffer.
    /// </summary>
    private sealed class Chunk(int first, int count, int dimension) : IDisposable
    {
        private readonly List<(Batch Batch, OrtValue Output)> _runs = [];
        private float[]? _output = ArrayPool<float>.Shared.Rent(count * dimension);
        private int _filled;

        public int First { get; } = first;

        /// <summary>Each batch with the tensor its run writes to.</summary>
        public IReadOnlyList<(Batch Batch, OrtValue Output)> Runs => _runs;

        public void Add(Batch batch)
        {
            var output = OrtValue.CreateTensorValueFromMemory(
                OrtMemoryInfo.DefaultInstance, _output.AsMemory(_filled * dimension, batch.Count * dimension), [batch.Count, dimension]);
            _runs.Add((batch, output));
            _filled += batch.Count;
        }

        /// <summary>Writes the L2-normalised outputs to their items' places in <paramref name="vectors"/> (after disposing).</summary>
        public void NormalizeInto(float[][] vectors)
        {
            var output = Interlocked.Exchange(ref _output, null) ?? throw new ObjectDisposedException(nameof(Chunk));
            for (var i = 0; i < count; i++)
            {
                vectors[First + i] = UnitVectors.Normalize(output.AsSpan(i * dimension, dimension));
            }

            ArrayPool<float>.Shared.Return(output);
        }

        /// <summary>
        /// Releases the batches' feeds and output tensors; the buffer stays for <see cref="NormalizeInto"/> (after a
        /// failure, it is left to the collector rather than returned).
        /// </summary>
        public void Dispose()
        {
            foreach (var (batch, output) in _runs)
            {
                batch.Dispose();
                output.Dispose();
            }

            _runs.Clear();
        }
    }
}

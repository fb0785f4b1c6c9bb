using System.Runtime.CompilerServices;
using System.Threading.Channels;
using VisionSearch.Datasets;

namespace VisionSearch.Silo.Ingestion;

/// <summary>A run of consecutive dataset entries (items and failed reads) and the cursor after the last.</summary>
internal sealed record EntryBatch(IReadOnlyList<DatasetEntry> Entries, string Cursor);

/// <summary>
/// Reads a source on a pool thread into a small bounded channel and groups what arrives into batches:
/// a batch closes at its kind's size (<see cref="IngestionOptions.BatchSize"/> images or texts,
/// <see cref="IngestionOptions.VectorBatchSize"/> vectors), at <see cref="IngestionOptions.MaxBatchBytes"/>
/// of images, or <see cref="IngestionOptions.BatchWindow"/> after its first entry (on <c>time</c>'s clock). The
/// reader blocks when the consumer falls behind, so nothing is read far ahead.
/// </summary>
internal static class EntryBatcher
{
    /// <summary>The source's entries in batches of the sizes <paramref name="options"/> gives.</summary>
    public static IAsyncEnumerable<EntryBatch> ReadAsync(
        IDatasetSource source, string? after, long? limit, IngestionOptions options, TimeProvider time, CancellationToken cancellationToken) =>
        ReadAsync(source, after, limit, options, time, () => options.BatchSize, cancellationToken);

    /// <summary>The source's entries in batches, <paramref name="imagesAndTexts"/> asked as each opens how many images or texts it may hold.</summary>
    public static async IAsyncEnumerable<EntryBatch> ReadAsync(
        IDatasetSource source, string? after, long? limit, IngestionOptions options, TimeProvider time, Func<int> imagesAndTexts,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<DatasetEntry>(new BoundedChannelOptions(options.BatchSize * 2)
        {
            SingleReader = true,
            SingleWriter = true,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pump = Task.Run(() => PumpAsync(source, after, limit, channel.Writer, stop.Token), CancellationToken.None);
        try
        {
            var reader = channel.Reader;
            while (await reader.WaitToReadAsync(cancellationToken))
            {
                var entries = new List<DatasetEntry>();
                var bytes = 0L;
                var capacity = 0;
                var opened = time.GetTimestamp();
                while (true)
                {
                    if (reader.TryRead(out var entry))
                    {
                        entries.Add(entry);
                        bytes += entry.Item?.Bytes.Length ?? 0;
                        capacity = capacity == 0 && entry.Item is { } item
                            ? item.Kind == ItemKind.Vector ? options.VectorBatchSize : imagesAndTexts()
                            : capacity;
                        if (entries.Count >= (capacity == 0 ? options.BatchSize : capacity) || bytes >= options.MaxBatchBytes)
                        {
                            break;
                        }

                        continue;
                    }

                    if (!await WaitAsync(reader, options.BatchWindow - time.GetElapsedTime(opened), time, cancellationToken))
                    {
                        break;
                    }
                }

                yield return new EntryBatch(entries, entries[^1].Cursor);
            }

            // Surfaces a read failure: the channel was completed with it.
            await reader.Completion;
        }
        finally
        {
            await stop.CancelAsync();
            await pump;
        }
    }

    /// <summary>Waits up to <paramref name="remaining"/> for the next entry; false when none comes by then or the source ended.</summary>
    private static async Task<bool> WaitAsync(ChannelReader<DatasetEntry> reader, TimeSpan remaining, TimeProvider time, CancellationToken cancellationToken)
    {
        if (remaining <= TimeSpan.Zero)
        {
            return false;
        }

        using var window = new CancellationTokenSource(remaining, time);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, window.Token);
        try
        {
            return await reader.WaitToReadAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception) when (reader.Completion.IsFaulted)
        {
            return false; // the batch so far is complete; the read failure surfaces when the next one is awaited
        }
    }

    private static async Task PumpAsync(IDatasetSource source, string? after, long? limit, ChannelWriter<DatasetEntry> writer, CancellationToken cancellationToken)
    {
        try
        {
            var read = 0L;
            if (limit is not <= 0)
            {
                await foreach (var entry in source.ReadAsync(after, cancellationToken))
                {
                    await writer.WriteAsync(entry, cancellationToken);
                    if (++read == limit)
                    {
                        break;
                    }
                }
            }

            writer.TryComplete();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            writer.TryComplete();
        }
#pragma warning disable CA1031 // Any read failure goes to the consumer, which fails the build with it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            writer.TryComplete(e);
        }
    }
}

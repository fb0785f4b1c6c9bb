using Microsoft.Extensions.Options;
using VisionSearch.Contracts;
using VisionSearch.Datasets;
using VisionSearch.Datasets.Access;
using VisionSearch.Datasets.Folders;
using VisionSearch.Datasets.Hub;
using VisionSearch.Datasets.Parquet;
using VisionSearch.Datasets.Text;
using VisionSearch.Datasets.Vectors;
using VisionSearch.HuggingFace;

namespace VisionSearch.Silo.Ingestion;

/// <summary>
/// Turns a build spec into the dataset reader for its source kind. Every local location goes through the shared
/// folders first, here, so a build, a resumed build and a later read of an item's image are all held to them.
/// </summary>
public sealed class DatasetSources(HubClient hub, IOptions<DatasetsOptions> options)
{
    private readonly SourceLimits _limits = options.Value.Limits;

    /// <summary>The folders callers may read from (<see cref="DatasetsOptions.Roots"/>).</summary>
    public SharedFolders Shared { get; } = new(options.Value.Roots);

    /// <summary>The reader, and the item count when the source knows it without reading everything.</summary>
    /// <exception cref="DatasetException">The source cannot be opened, or is outside the shared folders (<see cref="DatasetException.Refused"/>); <see cref="DatasetException.Field"/> names the setting.</exception>
    public (IDatasetSource Source, long? Count) Open(BuildSpec spec)
    {
        if (spec.Source == SourceKinds.Hub)
        {
            return (new HubDatasetSource(hub, spec.Location, spec.Subset, spec.Split, spec.Column, limits: _limits), null);
        }

        if (!SourceKinds.All.Contains(spec.Source))
        {
            throw new DatasetException($"Source '{spec.Source}' is unknown; use one of {string.Join(", ", SourceKinds.All)}.", "source");
        }

        var location = Shared.Resolve(spec.Location);
        switch (spec.Source)
        {
            case SourceKinds.Vectors:
                var file = OpenVectors(location, Shared);
                return (new VectorSource(file, limits: _limits), file.Count);
            case SourceKinds.Folder:
                return (new FolderSource(location, limits: _limits, shared: Shared), null);
            case SourceKinds.Parquet:
                return (new ParquetSource(location, spec.Column, limits: _limits, shared: Shared), null);
            default:
                return Path.GetExtension(location).ToLowerInvariant() is ".csv" or ".jsonl" or ".json"
                    ? (new TableTextSource(location, spec.Column ?? "text", _limits, Shared), null)
                    : (new TextLinesSource(location, _limits, Shared), null);
        }
    }

    /// <summary>
    /// What says, before a source is read, whether it is as a run found it: the <see cref="FileStamp"/> of a source that is
    /// one file (a text, CSV, JSON Lines, Parquet or vectors file), or a Hub dataset's Parquet commit and files; null for a
    /// folder, whose files have their own, for a file no longer inside the shared folders, and for a Hub dataset the Hub
    /// does not answer for (its cache is read instead). Opening the source says what is wrong with it.
    /// </summary>
    public async Task<string?> StampAsync(BuildSpec spec, CancellationToken cancellationToken = default)
    {
        switch (spec.Source)
        {
            case SourceKinds.Text or SourceKinds.Parquet or SourceKinds.Vectors:
                try
                {
                    return FileStamp.Of(Shared.Resolve(spec.Location));
                }
                catch (DatasetException)
                {
                    return null;
                }

            case SourceKinds.Hub:
                try
                {
                    return await new HubDatasetSource(hub, spec.Location, spec.Subset, spec.Split, spec.Column, limits: _limits).StampAsync(cancellationToken);
                }
                catch (Exception e) when (e is HubException or HttpRequestException or DatasetException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    return null;
                }

            default:
                return null;
        }
    }

    private static VectorFile OpenVectors(string location, SharedFolders shared)
    {
        try
        {
            return VectorFile.Open(location, shared);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or UnauthorizedAccessException or ArgumentException)
        {
            throw new DatasetException(e.Message, "location", e);
        }
    }
}

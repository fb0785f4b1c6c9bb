using VisionSearch.Contracts;
using VisionSearch.Datasets;
using VisionSearch.Datasets.Folders;
using VisionSearch.Datasets.Hub;
using VisionSearch.Datasets.Parquet;
using VisionSearch.Datasets.Text;
using VisionSearch.Datasets.Vectors;
using VisionSearch.HuggingFace;

namespace VisionSearch.Silo.Ingestion;

/// <summary>Turns a build spec into the dataset reader for its source kind.</summary>
public sealed class DatasetSources(HubClient hub)
{
    /// <summary>The reader, and the item count when the source knows it without reading everything.</summary>
    /// <exception cref="DatasetException">The source cannot be opened; <see cref="DatasetException.Field"/> names the setting.</exception>
    public (IDatasetSource Source, long? Count) Open(BuildSpec spec)
    {
        switch (spec.Source)
        {
            case SourceKinds.Vectors:
                var file = OpenVectors(spec.Location);
                return (new VectorSource(file), file.Count);
            case SourceKinds.Folder:
                return (new FolderSource(spec.Location), null);
            case SourceKinds.Parquet:
                return (new ParquetSource(spec.Location, spec.Column), null);
            case SourceKinds.Text:
                return Path.GetExtension(spec.Location).ToLowerInvariant() is ".csv" or ".jsonl" or ".json"
                    ? (new TableTextSource(spec.Location, spec.Column ?? "text"), null)
                    : (new TextLinesSource(spec.Location), null);
            case SourceKinds.Hub:
                return (new HubDatasetSource(hub, spec.Location, spec.Subset, spec.Split, spec.Column), null);
            default:
                throw new DatasetException($"Source '{spec.Source}' is unknown; use one of {string.Join(", ", SourceKinds.All)}.", "source");
        }
    }

    private static VectorFile OpenVectors(string location)
    {
        try
        {
            return VectorFile.Open(location);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or UnauthorizedAccessException or ArgumentException)
        {
            throw new DatasetException(e.Message, "location", e);
        }
    }
}

using System.Globalization;
using System.Runtime.CompilerServices;

namespace VisionSearch.Datasets.Vectors;

/// <summary>Precomputed vectors (.fvecs, .npy) as dataset items: id = row number, kind <see cref="ItemKind.Vector"/>.</summary>
public sealed class VectorSource(VectorFile file) : IDatasetSource
{
    public string Description => $"vectors {File.Path}";

    public VectorFile File { get; } = file;

    public async IAsyncEnumerable<DatasetEntry> ReadAsync(string? after = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        foreach (var row in File.ReadRows(RowCursor.Start(after)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return DatasetEntry.Of(new DatasetItem(row.Row.ToString(CultureInfo.InvariantCulture), ItemKind.Vector, RowCursor.After(row.Row)) { Vector = row.Vector });
        }
    }
}

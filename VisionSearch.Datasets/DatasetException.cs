namespace VisionSearch.Datasets;

/// <summary>A dataset cannot be read at all; <see cref="Field"/> names the setting at fault when one is.</summary>
public sealed class DatasetException(string message, string? field = null, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The request field to blame (location, column, split…), for a 4xx that names it.</summary>
    public string? Field { get; } = field;

    /// <summary>The path is not this caller's to read (outside the shared folders): a 403, not a 422.</summary>
    public bool Refused { get; init; }
}

namespace VisionSearch.Hnsw.Payloads;

/// <summary>The types of a field's values, as a <see cref="PayloadIndex{T}"/> reports them per field.</summary>
[Flags]
public enum PayloadTypes
{
    /// <summary>No value.</summary>
    None = 0,

    /// <summary>Strings.</summary>
    Text = 1,

    /// <summary>Numbers.</summary>
    Number = 2,

    /// <summary>Booleans.</summary>
    Flag = 4,

    /// <summary>Dates (held as numbers: microseconds since 1970).</summary>
    Date = 8,

    /// <summary>Values that are kept but not matched or ranged over (objects).</summary>
    Other = 16,
}

/// <summary>One value of a label's field: a token to match exactly, a number (or date) to range over, or both.</summary>
/// <param name="Field">The field's name.</param>
/// <param name="Type">What the value is; one of <see cref="PayloadTypes"/>.</param>
/// <param name="Token">What a match compares, or null (a date, another value).</param>
/// <param name="Number">The number or date a range compares (<see cref="PayloadTypes.Number"/>, <see cref="PayloadTypes.Date"/>).</param>
public readonly record struct PayloadValue(string Field, PayloadTypes Type, string? Token = null, double Number = 0);

/// <summary>A range's bounds; null bounds are open.</summary>
public readonly record struct PayloadRange(double? Gt, double? Gte, double? Lt, double? Lte)
{
    /// <summary>Whether <paramref name="value"/> lies within every bound given.</summary>
    public bool Contains(double value) =>
        (Gt is not { } gt || value > gt) && (Gte is not { } gte || value >= gte) && (Lt is not { } lt || value < lt) && (Lte is not { } lte || value <= lte);
}

using System.Globalization;

namespace VisionSearch.Contracts;

/// <summary>
/// A filter on items, in the shape Qdrant users know: every <see cref="Must"/> condition holds, at least one
/// <see cref="Should"/> condition holds (when there are any), and no <see cref="MustNot"/> condition holds.
/// </summary>
[GenerateSerializer, Immutable, Alias("vs.SearchFilter")]
public sealed record SearchFilter(FilterCondition[] Must, FilterCondition[] Should, FilterCondition[] MustNot);

/// <summary>
/// One condition on a metadata key, or on <see cref="FilterKeys.Id"/> or <see cref="FilterKeys.Kind"/>: exactly one of
/// <see cref="Match"/>, <see cref="Range"/>, <see cref="IsEmpty"/> or a <see cref="Nested"/> filter.
/// </summary>
/// <param name="Path">Where the condition is in the request (<c>filter.must[1]</c>), to name it in errors.</param>
/// <param name="Key">The metadata key, <c>id</c> or <c>kind</c>; empty for a nested filter.</param>
/// <param name="Match">Holds a value, any of some, or one outside some.</param>
/// <param name="Range">Holds a number or date within bounds.</param>
/// <param name="IsEmpty">Holds no value: the key is missing, null or an empty array.</param>
/// <param name="Nested">A filter of its own (a <c>should</c> inside a <c>must</c>).</param>
[GenerateSerializer, Immutable, Alias("vs.FilterCondition")]
public sealed record FilterCondition(
    string Path, string Key, FilterMatch? Match = null, FilterRange? Range = null, bool IsEmpty = false, SearchFilter? Nested = null);

/// <summary>
/// A match: the key holds <c>value</c>, or any of <c>any</c>, or (with <see cref="Except"/>) a value that is none of
/// <c>except</c>. An array-valued key matches when any of its elements does.
/// </summary>
/// <param name="Form">The request's name for it: <c>value</c>, <c>any</c> or <c>except</c>.</param>
/// <param name="Values">The value, or the values listed.</param>
[GenerateSerializer, Immutable, Alias("vs.FilterMatch")]
public sealed record FilterMatch(string Form, FilterValue[] Values)
{
    /// <summary>Whether the key must hold a value outside <see cref="Values"/>.</summary>
    public bool Except => Form == "except";
}

/// <summary>A string, a number or a boolean to match.</summary>
[GenerateSerializer, Immutable, Alias("vs.FilterValue")]
public sealed record FilterValue(string? Text = null, double? Number = null, bool? Flag = null)
{
    /// <summary>What the value is, for messages: string, number or boolean.</summary>
    public string Type => Text is not null ? "string" : Number is not null ? "number" : "boolean";
}

/// <summary>
/// A range of numbers, or of dates (RFC 3339, held as microseconds since 1970), with any of its four bounds; an
/// array-valued key is in range when any of its elements is.
/// </summary>
[GenerateSerializer, Immutable, Alias("vs.FilterRange")]
public sealed record FilterRange(double? Gt, double? Gte, double? Lt, double? Lte, bool Dates)
{
    /// <summary>The name of the first bound given, for messages that point at the range.</summary>
    public string FirstBound => Gt is not null ? "gt" : Gte is not null ? "gte" : Lt is not null ? "lt" : "lte";
}

/// <summary>Dates as filters read them, in metadata values and in range bounds alike.</summary>
public static class FilterDates
{
    /// <summary>An RFC 3339 date or date-time (<c>2024-05-01</c>, <c>2024-05-01T12:00:00Z</c>) as microseconds since 1970 UTC; no offset means UTC.</summary>
    public static bool TryParse(string text, out double microseconds)
    {
        microseconds = 0;
        if (text.Length is < 10 or > 40 || !char.IsAsciiDigit(text[0]) || text[4] != '-' || text[7] != '-'
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            return false;
        }

        microseconds = (date.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / (double)TimeSpan.TicksPerMicrosecond;
        return true;
    }
}

/// <summary>Keys a filter may name beside the metadata's.</summary>
public static class FilterKeys
{
    /// <summary>The item's id: <c>match</c> only.</summary>
    public const string Id = "id";

    /// <summary>The item's kind (<see cref="ItemKinds"/>): <c>match</c> only.</summary>
    public const string Kind = "kind";
}

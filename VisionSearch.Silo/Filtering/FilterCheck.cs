using VisionSearch.Contracts;
using VisionSearch.Hnsw.Payloads;

namespace VisionSearch.Silo.Filtering;

/// <summary>
/// Holds a filter to what a dataset's items hold: a key no item has, or a value of a type the key never holds,
/// is the caller's mistake (a typo, a number sent as a string), named by its path, not an empty answer.
/// </summary>
internal static class FilterCheck
{
    private static readonly string[] Kinds = [ItemKinds.Image, ItemKinds.Text, ItemKinds.Vector];

    /// <summary>The first problem as (path, message), or null when the filter fits <paramref name="schema"/>.</summary>
    public static (string Path, string Message)? Problem(SearchFilter filter, IReadOnlyDictionary<string, PayloadTypes> schema)
    {
        foreach (var condition in filter.Must.Concat(filter.Should).Concat(filter.MustNot))
        {
            if (Problem(condition, schema) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    private static (string Path, string Message)? Problem(FilterCondition condition, IReadOnlyDictionary<string, PayloadTypes> schema)
    {
        if (condition.Nested is { } nested)
        {
            return Problem(nested, schema);
        }

        if (condition.Key is FilterKeys.Id or FilterKeys.Kind)
        {
            if (condition.Range is not null)
            {
                return ($"{condition.Path}.range", $"'{condition.Key}' takes match (value, any, except), not a range.");
            }

            if (condition.Match is { } match)
            {
                for (var i = 0; i < match.Values.Length; i++)
                {
                    var value = match.Values[i];
                    if (value.Text is null)
                    {
                        return (ValuePath(condition, i), $"'{condition.Key}' is a string; the value is a {value.Type}.");
                    }

                    if (condition.Key == FilterKeys.Kind && !Kinds.Contains(value.Text))
                    {
                        return (ValuePath(condition, i), $"A kind is one of {string.Join(", ", Kinds)}.");
                    }
                }
            }

            return null;
        }

        if (!schema.TryGetValue(condition.Key, out var types))
        {
            var known = schema.Keys.Order(StringComparer.Ordinal).Take(20).ToList();
            return ($"{condition.Path}.key", $"No item has the metadata key '{condition.Key}'. "
                + (known.Count == 0 ? "Items here have no metadata." : $"Keys: {string.Join(", ", known)}{(schema.Count > known.Count ? ", …" : "")}; also id and kind."));
        }

        if (condition.Range is { } range)
        {
            var needed = range.Dates ? PayloadTypes.Date : PayloadTypes.Number;
            return types.HasFlag(needed)
                ? null
                : ($"{condition.Path}.range.{range.FirstBound}",
                    $"'{condition.Key}' holds {Describe(types)}; a range over {(range.Dates ? "dates" : "numbers")} needs {(range.Dates ? "RFC 3339 dates" : "numbers")}.");
        }

        if (condition.Match is { } byValue)
        {
            for (var i = 0; i < byValue.Values.Length; i++)
            {
                var value = byValue.Values[i];
                var needed = value.Text is not null ? PayloadTypes.Text : value.Number is not null ? PayloadTypes.Number : PayloadTypes.Flag;
                if (!types.HasFlag(needed))
                {
                    return (ValuePath(condition, i), $"'{condition.Key}' holds {Describe(types)}; the value is a {value.Type}.");
                }
            }
        }

        return null;
    }

    /// <summary>Every type a key holds, for a message: "strings and numbers".</summary>
    private static string Describe(PayloadTypes types)
    {
        var names = new[] { (PayloadTypes.Text, "strings"), (PayloadTypes.Date, "dates"), (PayloadTypes.Number, "numbers"), (PayloadTypes.Flag, "booleans"), (PayloadTypes.Other, "objects") }
            .Where(t => types.HasFlag(t.Item1)).Select(t => t.Item2).ToList();
        return names.Count == 0 ? "nothing" : string.Join(" and ", names);
    }

    private static string ValuePath(FilterCondition condition, int index) =>
        condition.Match!.Form == "value" ? $"{condition.Path}.match.value" : $"{condition.Path}.match.{condition.Match.Form}[{index}]";
}

using System.Text.Json;
using VisionSearch.Api.Endpoints;
using VisionSearch.Api.Problems;
using VisionSearch.Contracts;

namespace VisionSearch.Api.Models;

/// <summary>
/// Reads a filter in Qdrant's shape from JSON: <c>{"must": [...], "should": [...], "must_not": [...]}</c> of conditions
/// <c>{"key": k, "match": {"value" | "any" | "except": ...}}</c>, <c>{"key": k, "range": {"gt" | "gte" | "lt" | "lte": n}}</c>
/// (numbers, or RFC 3339 dates), <c>{"is_empty": {"key": k}}</c>, or a nested filter. Every mistake is reported at its
/// path (<c>filter.must[1].range.gte</c>); the sizes are bounded so that a filter costs what a search costs.
/// </summary>
internal static class FilterReader
{
    /// <summary>The most conditions a filter holds, nested ones counted.</summary>
    public const int MaxConditions = 64;

    /// <summary>The deepest nesting of filters in filters.</summary>
    public const int MaxDepth = 4;

    /// <summary>The most values an <c>any</c> or <c>except</c> lists.</summary>
    public const int MaxValues = 1000;

    // A key or a string value is bounded as metadata is: nothing longer can match.
    private const int MaxKey = DatasetWriteEndpoints.MaxMetadataKey, MaxString = DatasetWriteEndpoints.MaxMetadataValue;

    private static readonly string[] Clauses = ["must", "should", "must_not"];

    /// <summary>The filter of a query string or form field (JSON text), or null with the errors added.</summary>
    public static SearchFilter? Read(string json, string path, FieldErrors errors)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
            return Read(document.RootElement, path, errors);
        }
        catch (JsonException e)
        {
            errors.Add(path, $"Not JSON: {e.Message}");
            return null;
        }
    }

    /// <summary>The filter, or null with the errors added.</summary>
    public static SearchFilter? Read(JsonElement filter, string path, FieldErrors errors)
    {
        var before = errors.Count;
        var read = new Reader(errors).Filter(filter, path, depth: 1);
        return errors.Count == before ? read : null;
    }

    private sealed class Reader(FieldErrors errors)
    {
        private int _conditions;

        public SearchFilter? Filter(JsonElement filter, string path, int depth)
        {
            if (filter.ValueKind != JsonValueKind.Object)
            {
                errors.Add(path, "A filter is an object of must, should and must_not.");
                return null;
            }

            if (depth > MaxDepth)
            {
                errors.Add(path, $"Filters nest at most {MaxDepth} deep.");
                return null;
            }

            var lists = new Dictionary<string, FilterCondition[]>(StringComparer.Ordinal);
            foreach (var property in filter.EnumerateObject())
            {
                if (!Clauses.Contains(property.Name))
                {
                    errors.Add($"{path}.{property.Name}", "Unknown: a filter has must, should and must_not.");
                    continue;
                }

                lists[property.Name] = Conditions(property.Value, $"{path}.{property.Name}", depth);
            }

            return new SearchFilter(lists.GetValueOrDefault("must", []), lists.GetValueOrDefault("should", []), lists.GetValueOrDefault("must_not", []));
        }

        private FilterCondition[] Conditions(JsonElement list, string path, int depth)
        {
            if (list.ValueKind == JsonValueKind.Object)
            {
                return Condition(list, path, depth) is { } one ? [one] : [];
            }

            if (list.ValueKind != JsonValueKind.Array)
            {
                errors.Add(path, "A list of conditions (or one condition).");
                return [];
            }

            var conditions = new List<FilterCondition>();
            var i = 0;
            foreach (var element in list.EnumerateArray())
            {
                if (Condition(element, $"{path}[{i++}]", depth) is { } condition)
                {
                    conditions.Add(condition);
                }
            }

            return [.. conditions];
        }

        private FilterCondition? Condition(JsonElement condition, string path, int depth)
        {
            if (++_conditions > MaxConditions)
            {
                if (_conditions == MaxConditions + 1)
                {
                    errors.Add(path, $"A filter holds at most {MaxConditions} conditions.");
                }

                return null;
            }

            if (condition.ValueKind != JsonValueKind.Object)
            {
                errors.Add(path, "A condition is an object: {key, match}, {key, range}, {is_empty: {key}} or a nested filter.");
                return null;
            }

            if (Clauses.Any(c => condition.TryGetProperty(c, out _)))
            {
                return Filter(condition, path, depth + 1) is { } nested ? new FilterCondition(path, "", Nested: nested) : null;
            }

            if (condition.TryGetProperty("is_empty", out var isEmpty))
            {
                Only(condition, path, "is_empty");
                var key = isEmpty.ValueKind == JsonValueKind.Object && isEmpty.TryGetProperty("key", out var named) ? Key(named, $"{path}.is_empty.key") : Key(default, $"{path}.is_empty.key");
                return key is null ? null : new FilterCondition(path, key, IsEmpty: true);
            }

            var hasMatch = condition.TryGetProperty("match", out var match);
            var hasRange = condition.TryGetProperty("range", out var range);
            if (hasMatch == hasRange)
            {
                errors.Add(path, "A condition has a key and exactly one of match or range (or is is_empty, or a nested filter).");
                return null;
            }

            Only(condition, path, "key", hasMatch ? "match" : "range");
            var conditionKey = Key(condition.TryGetProperty("key", out var k) ? k : default, $"{path}.key");
            var read = hasMatch ? (object?)Match(match, $"{path}.match") : Range(range, $"{path}.range");
            return conditionKey is null || read is null ? null
                : new FilterCondition(path, conditionKey, Match: read as FilterMatch, Range: read as FilterRange);
        }

        private string? Key(JsonElement key, string path)
        {
            if (key.ValueKind != JsonValueKind.String || key.GetString() is not { Length: > 0 and <= MaxKey } name)
            {
                errors.Add(path, $"Required: a metadata key (1 to {MaxKey} characters), id or kind.");
                return null;
            }

            return name;
        }

        private FilterMatch? Match(JsonElement match, string path)
        {
            var forms = match.ValueKind == JsonValueKind.Object ? match.EnumerateObject().ToList() : [];
            if (forms.Count != 1 || forms[0].Name is not ("value" or "any" or "except"))
            {
                errors.Add(path, "A match is exactly one of {value: v}, {any: [v, …]} or {except: [v, …]}.");
                return null;
            }

            var (form, given) = (forms[0].Name, forms[0].Value);
            var at = $"{path}.{form}";
            if (form == "value")
            {
                return Value(given, at) is { } value ? new FilterMatch(form, [value]) : null;
            }

            if (given.ValueKind != JsonValueKind.Array || given.GetArrayLength() > MaxValues)
            {
                errors.Add(at, $"A list of at most {MaxValues} strings, numbers or booleans.");
                return null;
            }

            var values = given.EnumerateArray().Select((v, i) => Value(v, $"{at}[{i}]")).ToList();
            return values.Contains(null) ? null : new FilterMatch(form, [.. values!]);
        }

        private FilterValue? Value(JsonElement value, string path)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.String when value.GetString()!.Length <= MaxString:
                    return new FilterValue(Text: value.GetString());
                case JsonValueKind.Number:
                    return new FilterValue(Number: value.GetDouble());
                case JsonValueKind.True or JsonValueKind.False:
                    return new FilterValue(Flag: value.GetBoolean());
                default:
                    errors.Add(path, $"A string (at most {MaxString} characters), a number or a boolean.");
                    return null;
            }
        }

        private FilterRange? Range(JsonElement range, string path)
        {
            if (range.ValueKind != JsonValueKind.Object)
            {
                errors.Add(path, "A range is an object of gt, gte, lt and lte.");
                return null;
            }

            var bounds = new Dictionary<string, double>(StringComparer.Ordinal);
            bool? dates = null;
            var ok = true;
            foreach (var bound in range.EnumerateObject())
            {
                var at = $"{path}.{bound.Name}";
                if (bound.Name is not ("gt" or "gte" or "lt" or "lte"))
                {
                    errors.Add(at, "Unknown: a range has gt, gte, lt and lte.");
                    ok = false;
                    continue;
                }

                var isDate = bound.Value.ValueKind == JsonValueKind.String;
                double value = 0;
                if (!(bound.Value.ValueKind == JsonValueKind.Number ? bound.Value.TryGetDouble(out value) : isDate && FilterDates.TryParse(bound.Value.GetString()!, out value)))
                {
                    errors.Add(at, "A number, or an RFC 3339 date (2024-05-01 or 2024-05-01T12:00:00Z).");
                    ok = false;
                    continue;
                }

                if (dates is { } earlier && earlier != isDate)
                {
                    errors.Add(at, "The bounds of one range are all numbers or all dates.");
                    ok = false;
                    continue;
                }

                dates = isDate;
                bounds[bound.Name] = value;
            }

            if (ok && bounds.Count == 0)
            {
                errors.Add(path, "Give at least one of gt, gte, lt and lte.");
                return null;
            }

            return ok ? new FilterRange(Bound("gt"), Bound("gte"), Bound("lt"), Bound("lte"), dates!.Value) : null;

            double? Bound(string name) => bounds.TryGetValue(name, out var value) ? value : null;
        }

        /// <summary>Reports the properties of a condition other than <paramref name="allowed"/>.</summary>
        private void Only(JsonElement condition, string path, params string[] allowed)
        {
            foreach (var property in condition.EnumerateObject())
            {
                if (!allowed.Contains(property.Name))
                {
                    errors.Add($"{path}.{property.Name}", $"Unknown here: this condition has {string.Join(", ", allowed)}.");
                }
            }
        }
    }
}

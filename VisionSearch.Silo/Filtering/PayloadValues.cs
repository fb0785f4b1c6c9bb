using System.Globalization;
using System.Text.Json;
using VisionSearch.Contracts;
using VisionSearch.Hnsw.Payloads;
using VisionSearch.Silo.Grains;

namespace VisionSearch.Silo.Filtering;

/// <summary>
/// What a shard indexes of an item for filters, and the tokens a filter looks up: the id and the kind as fields of
/// their own, and each metadata key as a field named <c>m:{key}</c>, so that no metadata key can stand for them.
/// </summary>
internal static class PayloadValues
{
    public const string IdField = "id", KindField = "kind";

    /// <summary>The field a filter condition's key names.</summary>
    public static string Field(string key) => key is FilterKeys.Id ? IdField : key is FilterKeys.Kind ? KindField : "m:" + key;

    /// <summary>The metadata key of a field, or null for the id and the kind.</summary>
    public static string? Key(string field) => field.StartsWith("m:", StringComparison.Ordinal) ? field[2..] : null;

    /// <summary>
    /// The indexed values of an item: its id and kind, and its metadata's scalars and the scalars of its arrays
    /// (objects are kept as <see cref="PayloadTypes.Other"/>; null is no value).
    /// </summary>
    public static PayloadValue[] Of(string id, ItemPayload? payload)
    {
        var values = new List<PayloadValue>
        {
            new(IdField, PayloadTypes.Text, StringToken(id)),
            new(KindField, PayloadTypes.Text, StringToken(payload?.Kind ?? "")),
        };
        if (string.IsNullOrEmpty(payload?.Metadata))
        {
            return [.. values];
        }

        using var document = JsonDocument.Parse(payload.Metadata);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            var field = "m:" + property.Name;
            if (property.Value.ValueKind == JsonValueKind.Array)
            {
                foreach (var element in property.Value.EnumerateArray())
                {
                    AddScalar(values, field, element);
                }
            }
            else
            {
                AddScalar(values, field, property.Value);
            }
        }

        return [.. values];
    }

    /// <summary>The token a filter's match value looks up: the same as a metadata value of its type and content.</summary>
    public static string Token(FilterValue value) =>
        value.Text is { } text ? StringToken(text) : value.Number is { } number ? NumberToken(number) : BoolToken(value.Flag!.Value);

    private static void AddScalar(List<PayloadValue> values, string field, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                var text = element.GetString()!;
                values.Add(new PayloadValue(field, PayloadTypes.Text, StringToken(text)));
                if (FilterDates.TryParse(text, out var date))
                {
                    values.Add(new PayloadValue(field, PayloadTypes.Date, Number: date));
                }

                break;
            case JsonValueKind.Number:
                var number = element.GetDouble();
                values.Add(new PayloadValue(field, PayloadTypes.Number, NumberToken(number), number));
                break;
            case JsonValueKind.True or JsonValueKind.False:
                values.Add(new PayloadValue(field, PayloadTypes.Flag, BoolToken(element.GetBoolean())));
                break;
            case JsonValueKind.Null:
                break; // null is no value: the key is empty
            default:
                values.Add(new PayloadValue(field, PayloadTypes.Other));
                break;
        }
    }

    // A type letter first, so the string "1", the number 1 and true never share a token.
    private static string StringToken(string text) => "s" + text;

    private static string NumberToken(double number) => "n" + number.ToString("R", CultureInfo.InvariantCulture);

    private static string BoolToken(bool value) => value ? "b1" : "b0";
}

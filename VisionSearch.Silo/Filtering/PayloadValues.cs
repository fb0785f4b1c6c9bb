using System.Globalization;
using System.Text.Json;
using VisionSearch.Contracts;

namespace VisionSearch.Silo.Filtering;

/// <summary>One indexed value of an item's metadata key: a token to match, and a number or date to range over.</summary>
internal readonly record struct PayloadValue(string Key, FieldTypes Type, string? Token = null, double Number = 0);

/// <summary>How metadata values and filter values become the tokens and numbers a <see cref="PayloadIndex"/> keeps.</summary>
internal static class PayloadValues
{
    /// <summary>The indexed values of a metadata object's JSON: scalars and the scalars of arrays; objects are kept as <see cref="FieldTypes.Other"/>.</summary>
    public static List<PayloadValue> Of(string? metadata)
    {
        var values = new List<PayloadValue>();
        if (string.IsNullOrEmpty(metadata))
        {
            return values;
        }

        using var document = JsonDocument.Parse(metadata);
        foreach (var field in document.RootElement.EnumerateObject())
        {
            if (field.Value.ValueKind == JsonValueKind.Array)
            {
                foreach (var element in field.Value.EnumerateArray())
                {
                    AddScalar(values, field.Name, element);
                }
            }
            else
            {
                AddScalar(values, field.Name, field.Value);
            }
        }

        return values;
    }

    /// <summary>The token a filter's match value looks up: the same as a metadata value of its type and content.</summary>
    public static string Token(FilterValue value) =>
        value.Text is { } text ? StringToken(text) : value.Number is { } number ? NumberToken(number) : BoolToken(value.Flag!.Value);

    private static void AddScalar(List<PayloadValue> values, string key, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                var text = element.GetString()!;
                values.Add(new PayloadValue(key, FieldTypes.Text, StringToken(text)));
                if (FilterDates.TryParse(text, out var date))
                {
                    values.Add(new PayloadValue(key, FieldTypes.Date, Number: date));
                }

                break;
            case JsonValueKind.Number:
                var number = element.GetDouble();
                values.Add(new PayloadValue(key, FieldTypes.Number, NumberToken(number), number));
                break;
            case JsonValueKind.True or JsonValueKind.False:
                values.Add(new PayloadValue(key, FieldTypes.Flag, BoolToken(element.GetBoolean())));
                break;
            case JsonValueKind.Null:
                break; // null is no value: the key is empty
            default:
                values.Add(new PayloadValue(key, FieldTypes.Other));
                break;
        }
    }

    // A type letter first, so the string "1", the number 1 and true never share a token.
    private static string StringToken(string text) => "s" + text;

    private static string NumberToken(double number) => "n" + number.ToString("R", CultureInfo.InvariantCulture);

    private static string BoolToken(bool value) => value ? "b1" : "b0";
}

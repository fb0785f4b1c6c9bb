using System.Text.Json;
using System.Text.Json.Serialization;

namespace VisionSearch.Hnsw;

/// <summary>Reads a name of <typeparamref name="T"/>, as its names class parses it.</summary>
public delegate bool EnumNameParser<T>(string? name, out T value);

/// <summary>
/// An enum as its name in JSON, read back from any name or alias its names class knows (<see cref="MetricNames"/>,
/// <see cref="QuantizationNames"/>); anything else is a <see cref="JsonException"/> that says which names there are.
/// </summary>
public abstract class EnumNameJsonConverter<T>(Func<T, string> nameOf, EnumNameParser<T> tryParse, Func<string?, string> unknown) : JsonConverter<T>
    where T : struct, Enum
{
    /// <summary>Reads a name or alias.</summary>
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return tryParse(name, out var value) ? value : throw new JsonException(unknown(name));
    }

    /// <summary>Writes the name.</summary>
    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(nameOf(value));
}

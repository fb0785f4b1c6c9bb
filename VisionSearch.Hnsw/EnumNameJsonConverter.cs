using System.Text.Json;
using System.Text.Json.Serialization;

namespace VisionSearch.Hnsw;

/// <summary>
/// An enum as its name in JSON, read back from any name or alias <paramref name="names"/> knows; anything else is a
/// <see cref="JsonException"/> that says which names there are.
/// </summary>
public abstract class EnumNameJsonConverter<T>(EnumNames<T> names) : JsonConverter<T>
    where T : struct, Enum
{
    /// <summary>Reads a name or alias.</summary>
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return names.TryParse(name, out var value) ? value : throw new JsonException(names.Unknown(name));
    }

    /// <summary>Writes the name.</summary>
    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(names.Of(value));
}

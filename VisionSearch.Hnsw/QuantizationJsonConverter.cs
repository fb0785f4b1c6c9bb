using System.Text.Json;
using System.Text.Json.Serialization;

namespace VisionSearch.Hnsw;

/// <summary>A <see cref="Quantization"/> as its name, read back from any name or alias <see cref="QuantizationNames"/> knows.</summary>
public sealed class QuantizationJsonConverter : JsonConverter<Quantization>
{
    /// <summary>Reads a name or alias; anything else is a <see cref="JsonException"/> that says which names there are.</summary>
    public override Quantization Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return QuantizationNames.TryParse(name, out var quantization) ? quantization : throw new JsonException(QuantizationNames.Unknown(name));
    }

    /// <summary>Writes the name.</summary>
    public override void Write(Utf8JsonWriter writer, Quantization value, JsonSerializerOptions options) => writer.WriteStringValue(QuantizationNames.Of(value));
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace VisionSearch.Hnsw;

/// <summary>A <see cref="Metric"/> as its name, read back from any name or alias <see cref="MetricNames"/> knows.</summary>
public sealed class MetricJsonConverter : JsonConverter<Metric>
{
    /// <summary>Reads a metric's name or alias; anything else is a <see cref="JsonException"/> that says which names there are.</summary>
    public override Metric Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return MetricNames.TryParse(name, out var metric) ? metric : throw new JsonException(MetricNames.Unknown(name));
    }

    /// <summary>Writes the metric's name.</summary>
    public override void Write(Utf8JsonWriter writer, Metric value, JsonSerializerOptions options) => writer.WriteStringValue(MetricNames.Of(value));
}

using System.Text.Json;

namespace VisionSearch.Contracts;

/// <summary>
/// How a metadata value (a <see cref="JsonElement"/>: string, number, boolean, array or null) crosses grain calls:
/// as its JSON text, so every value keeps its JSON type from the source to the response.
/// </summary>
/// <param name="Json">The value's JSON text.</param>
[GenerateSerializer, Immutable, Alias("vs.JsonValue")]
public readonly record struct JsonValueSurrogate([property: Id(0)] string Json);

/// <summary>Converts a <see cref="JsonElement"/> to and from <see cref="JsonValueSurrogate"/> for Orleans.</summary>
[RegisterConverter]
public sealed class JsonValueConverter : IConverter<JsonElement, JsonValueSurrogate>
{
    /// <inheritdoc/>
    public JsonElement ConvertFromSurrogate(in JsonValueSurrogate surrogate)
    {
        using var document = JsonDocument.Parse(surrogate.Json);
        return document.RootElement.Clone();
    }

    /// <inheritdoc/>
    public JsonValueSurrogate ConvertToSurrogate(in JsonElement value) => new(value.GetRawText());
}

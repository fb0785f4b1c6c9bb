using System.Diagnostics.CodeAnalysis;

namespace VisionSearch.Hnsw;

/// <summary>
/// The names of <see cref="Quantization"/> (<c>none</c>, <c>sq8</c>, <c>rabitq</c>), the only place a name becomes one:
/// requests, stored records and messages all go through here.
/// </summary>
public static class QuantizationNames
{
    /// <summary>For messages: the names a caller may use.</summary>
    public const string Choices = "none, sq8 or rabitq";

    /// <summary>The name written for <paramref name="quantization"/>.</summary>
    public static string Of(Quantization quantization) => quantization switch
    {
        Quantization.None => "none",
        Quantization.Sq8 => "sq8",
        Quantization.RaBitQ => "rabitq",
        _ => throw new ArgumentOutOfRangeException(nameof(quantization), quantization, "Not a quantization."),
    };

    /// <summary>Reads a name, any case, or an alias (<c>float32</c>, <c>int8</c>, <c>binary</c>).</summary>
    public static bool TryParse([NotNullWhen(true)] string? name, out Quantization quantization)
    {
        Quantization? parsed = name?.ToLowerInvariant() switch
        {
            "none" or "float32" => Quantization.None,
            "sq8" or "int8" => Quantization.Sq8,
            "rabitq" or "binary" => Quantization.RaBitQ,
            _ => null,
        };
        quantization = parsed.GetValueOrDefault();
        return parsed is not null;
    }

    /// <summary>A request's quantization: <see cref="TryParse"/>, with none named meaning <see cref="Quantization.None"/>.</summary>
    public static bool TryParseRequested(string? name, out Quantization quantization)
    {
        quantization = Quantization.None;
        return name is null || TryParse(name, out quantization);
    }

    /// <summary>Why <paramref name="name"/> is refused.</summary>
    public static string Unknown(string? name) => $"Quantization '{name}' is unknown; use {Choices}.";
}

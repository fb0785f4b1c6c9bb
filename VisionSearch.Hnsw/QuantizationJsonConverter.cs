namespace VisionSearch.Hnsw;

/// <summary>A <see cref="Quantization"/> as its name (<see cref="QuantizationNames"/>).</summary>
public sealed class QuantizationJsonConverter() : EnumNameJsonConverter<Quantization>(QuantizationNames.Of, QuantizationNames.TryParse, QuantizationNames.Unknown);

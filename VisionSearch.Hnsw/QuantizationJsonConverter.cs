namespace VisionSearch.Hnsw;

/// <summary>A <see cref="Quantization"/> as its name (<see cref="Names.Quantization"/>).</summary>
public sealed class QuantizationJsonConverter() : EnumNameJsonConverter<Quantization>(Names.Quantization);

using System.Diagnostics.CodeAnalysis;

namespace VisionSearch.Hnsw;

/// <summary>
/// The names of an enum's values, the only place a name becomes a value: requests, stored records and messages all go
/// through here. Each value is written as its name and read back from the name or an alias, in any case.
/// <see cref="Names"/> holds the index's two.
/// </summary>
public sealed class EnumNames<T> where T : struct, Enum
{
    private readonly string _kind;
    private readonly T _requestedDefault;
    private readonly Dictionary<T, string> _written = [];
    private readonly Dictionary<string, T> _read = new(StringComparer.Ordinal);

    /// <param name="kind">What the values are, for messages: <c>Metric</c>.</param>
    /// <param name="requestedDefault">The value a request that names none gets.</param>
    /// <param name="names">Each value with the name it is written as and the other names it is read from, all lower case.</param>
    public EnumNames(string kind, T requestedDefault, params (T Value, string Name, string[] Aliases)[] names)
    {
        _kind = kind;
        _requestedDefault = requestedDefault;
        foreach (var (value, name, aliases) in names)
        {
            _written.Add(value, name);
            foreach (var spelling in aliases.Prepend(name))
            {
                _read.Add(spelling, value);
            }
        }

        Choices = $"{string.Join(", ", names[..^1].Select(n => n.Name))} or {names[^1].Name}";
    }

    /// <summary>For messages: the names a caller may use, <c>cosine, ip or l2</c>.</summary>
    public string Choices { get; }

    /// <summary>The name written for <paramref name="value"/>.</summary>
    public string Of(T value) =>
        _written.TryGetValue(value, out var name) ? name : throw new ArgumentOutOfRangeException(nameof(value), value, $"Not a {_kind.ToLowerInvariant()}.");

    /// <summary>Reads a name or an alias, any case.</summary>
    public bool TryParse([NotNullWhen(true)] string? name, out T value)
    {
        value = default;
        return name is not null && _read.TryGetValue(name.ToLowerInvariant(), out value);
    }

    /// <summary>A request's value: <see cref="TryParse"/>, with none named meaning the default.</summary>
    public bool TryParseRequested(string? name, out T value)
    {
        value = _requestedDefault;
        return name is null || TryParse(name, out value);
    }

    /// <summary>Why <paramref name="name"/> is refused.</summary>
    public string Unknown(string? name) => $"{_kind} '{name}' is unknown; use {Choices}.";
}

/// <summary>The names of the index's enums.</summary>
public static class Names
{
    /// <summary>hnswlib's spaces (<c>cosine</c>, <c>ip</c>, <c>l2</c>), with the aliases callers use.</summary>
    public static EnumNames<Metric> Metric { get; } = new(
        "Metric",
        HnswOptions.DefaultMetric,
        (Hnsw.Metric.Cosine, "cosine", []),
        (Hnsw.Metric.InnerProduct, "ip", ["inner_product", "dot"]),
        (Hnsw.Metric.L2, "l2", ["euclidean"]));

    /// <summary><c>none</c>, <c>sq8</c> and <c>rabitq</c>, read also as <c>float32</c>, <c>int8</c> and <c>binary</c>.</summary>
    public static EnumNames<Quantization> Quantization { get; } = new(
        "Quantization",
        Hnsw.Quantization.None,
        (Hnsw.Quantization.None, "none", ["float32"]),
        (Hnsw.Quantization.Sq8, "sq8", ["int8"]),
        (Hnsw.Quantization.RaBitQ, "rabitq", ["binary"]));
}

using Microsoft.Extensions.Caching.Memory;

namespace VisionSearch.Silo.Grains;

/// <summary>
/// Item previews made on this silo, keyed by dataset, served build, item and size, so a grid of results shown again
/// costs no source read and no resize; a rebuild's new version never sees an old preview. Bounded by bytes, least
/// recently used first out.
/// </summary>
public sealed class ThumbnailCache : IDisposable
{
    /// <summary>What all previews on a silo may hold together.</summary>
    public const long BudgetBytes = 64L << 20;

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = BudgetBytes });

    public byte[]? Get(string dataset, long version, string id, int size) =>
        _cache.TryGetValue(Key(dataset, version, id, size), out byte[]? jpeg) ? jpeg : null;

    public void Set(string dataset, long version, string id, int size, byte[] jpeg) =>
        _cache.Set(Key(dataset, version, id, size), jpeg, new MemoryCacheEntryOptions { Size = jpeg.Length + 64 });

    public void Dispose() => _cache.Dispose();

    private static string Key(string dataset, long version, string id, int size) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{dataset}\n{version}\n{size}\n{id}");
}

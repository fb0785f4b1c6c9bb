using System.Collections.Concurrent;
using System.Text;

namespace VisionSearch.Embeddings.Clip;

/// <summary>
/// Byte-level BPE as CLIP uses it: a piece's UTF-8 bytes through GPT-2's byte-to-unicode table, <c>&lt;/w&gt;</c>
/// on the last symbol, then the lowest-ranked merge applied everywhere until none applies. Pieces
/// repeat a lot (words), so their ids are cached.
/// </summary>
internal sealed class BytePairEncoder
{
    private const string EndOfWord = "</w>";
    private const int CacheLimit = 100_000;

    private static readonly string[] ByteSymbols = BuildByteSymbols();

    private readonly IReadOnlyDictionary<string, int> _vocabulary;
    private readonly Dictionary<(string Left, string Right), int> _ranks;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    public BytePairEncoder(IReadOnlyDictionary<string, int> vocabulary, IEnumerable<(string Left, string Right)> merges)
    {
        _vocabulary = vocabulary;
        _ranks = [];
        foreach (var merge in merges)
        {
            _ranks.TryAdd(merge, _ranks.Count);
        }
    }

    public int[] Encode(string piece)
    {
        if (_cache.TryGetValue(piece, out var cached))
        {
            return cached;
        }

        var symbols = Symbols(piece);
        while (symbols.Count > 1)
        {
            var best = int.MaxValue;
            (string, string) bestPair = default;
            for (var i = 0; i < symbols.Count - 1; i++)
            {
                if (_ranks.TryGetValue((symbols[i], symbols[i + 1]), out var rank) && rank < best)
                {
                    best = rank;
                    bestPair = (symbols[i], symbols[i + 1]);
                }
            }

            if (best == int.MaxValue)
            {
                break;
            }

            var merged = new List<string>(symbols.Count);
            for (var i = 0; i < symbols.Count; i++)
            {
                if (i < symbols.Count - 1 && (symbols[i], symbols[i + 1]) == bestPair)
                {
                    merged.Add(symbols[i] + symbols[i + 1]);
                    i++;
                }
                else
                {
                    merged.Add(symbols[i]);
                }
            }

            symbols = merged;
        }

        var ids = symbols.Select(s => _vocabulary.TryGetValue(s, out var id)
            ? id
            : throw new InvalidDataException($"The BPE symbol '{s}' is not in the vocabulary: vocab and merges do not belong together.")).ToArray();
        if (_cache.Count < CacheLimit)
        {
            _cache.TryAdd(piece, ids);
        }

        return ids;
    }

    private static List<string> Symbols(string piece)
    {
        var bytes = Encoding.UTF8.GetBytes(piece);
        var symbols = new List<string>(bytes.Length);
        foreach (var b in bytes)
        {
            symbols.Add(ByteSymbols[b]);
        }

        symbols[^1] += EndOfWord;
        return symbols;
    }

    /// <summary>GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to U+0100 onwards.</summary>
    private static string[] BuildByteSymbols()
    {
        var symbols = new string[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            symbols[b] = ((char)(printable ? b : next++)).ToString();
        }

        return symbols;
    }
}

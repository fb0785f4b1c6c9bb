using System.Text.Json;

namespace VisionSearch.Embeddings.Clip;

/// <summary>
/// The CLIP tokenizer, id for id with Hugging Face's <c>CLIPTokenizerFast</c>: special-token literals split
/// out first, <see cref="ClipTextNormalizer"/>, <see cref="BytePairEncoder"/>, then
/// <c>[bos] + content[:context − 2] + [eos]</c>, so truncation keeps the final eos that CLIP pools on.
/// Thread-safe.
/// </summary>
public sealed class ClipTokenizer
{
    /// <summary>CLIP's text context.</summary>
    public const int ContextLength = 77;

    private const string StartOfText = "<|startoftext|>";
    private const string EndOfText = "<|endoftext|>";

    private readonly BytePairEncoder _encoder;

    private ClipTokenizer(IReadOnlyDictionary<string, int> vocabulary, IEnumerable<(string, string)> merges)
    {
        if ("e\u0301".Normalize(System.Text.NormalizationForm.FormC) != "\u00e9")
        {
            throw new InvalidOperationException(
                "Unicode normalisation is unavailable (the app runs with InvariantGlobalization or without ICU), so texts would tokenise wrongly. Install libicu and leave InvariantGlobalization off.");
        }

        _encoder = new BytePairEncoder(vocabulary, merges);
        StartId = vocabulary.TryGetValue(StartOfText, out var start) ? start : throw new InvalidDataException($"The vocabulary has no {StartOfText}.");
        EndId = vocabulary.TryGetValue(EndOfText, out var end) ? end : throw new InvalidDataException($"The vocabulary has no {EndOfText}.");
    }

    /// <summary>The id of <c>&lt;|startoftext|&gt;</c> (49406 in CLIP).</summary>
    public int StartId { get; }

    /// <summary>The id of <c>&lt;|endoftext|&gt;</c> (49407), also the padding id.</summary>
    public int EndId { get; }

    /// <summary>Loads from a model folder: <c>tokenizer.json</c>, or else <c>vocab.json</c> and <c>merges.txt</c>.</summary>
    /// <exception cref="FileNotFoundException">Neither form is in the folder.</exception>
    public static ClipTokenizer FromFolder(string folder) => FromFolder(new ClipModelFolder(folder));

    /// <summary>Loads from <paramref name="folder"/>'s files, opened as it opens them (see <see cref="ClipModelFolder.OpenFile"/>).</summary>
    /// <exception cref="FileNotFoundException">Neither form is in the folder.</exception>
    public static ClipTokenizer FromFolder(ClipModelFolder folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var combined = Path.Combine(folder.Path, "tokenizer.json");
        if (File.Exists(combined))
        {
            return FromTokenizerJson(folder.ReadAllBytes(combined));
        }

        var vocab = Path.Combine(folder.Path, "vocab.json");
        var merges = Path.Combine(folder.Path, "merges.txt");
        if (!File.Exists(vocab) || !File.Exists(merges))
        {
            throw new FileNotFoundException($"'{folder.Path}' has neither tokenizer.json nor vocab.json with merges.txt.", combined);
        }

        var vocabulary = JsonSerializer.Deserialize<Dictionary<string, int>>(folder.ReadAllBytes(vocab))
            ?? throw new InvalidDataException($"'{vocab}' is empty.");
        using var lines = new StreamReader(folder.OpenRead(merges));
        var pairs = new List<(string, string)>();
        while (lines.ReadLine() is { } line)
        {
            if (line.Length > 0 && !line.StartsWith("#version", StringComparison.Ordinal))
            {
                pairs.Add(ParseMerge(line));
            }
        }

        return new ClipTokenizer(vocabulary, pairs);
    }

    /// <summary>Loads a Hugging Face <c>tokenizer.json</c> with a BPE model (merges as "a b" strings or as pairs).</summary>
    private static ClipTokenizer FromTokenizerJson(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var model = document.RootElement.GetProperty("model");
        var vocabulary = model.GetProperty("vocab").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32(), StringComparer.Ordinal);
        var merges = model.GetProperty("merges").EnumerateArray()
            .Select(m => m.ValueKind == JsonValueKind.Array ? (m[0].GetString()!, m[1].GetString()!) : ParseMerge(m.GetString()!))
            .ToList();
        return new ClipTokenizer(vocabulary, merges);
    }

    /// <summary>The ids of <paramref name="text"/>, bos and eos included, at most <see cref="ContextLength"/>.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(16) { StartId };
        var rest = text.AsSpan();
        while (!rest.IsEmpty)
        {
            var (at, special) = NextSpecial(rest);
            if (at > 0)
            {
                ClipTextNormalizer.Split(ClipTextNormalizer.Normalize(rest[..at].ToString()), piece => ids.AddRange(_encoder.Encode(piece)));
            }

            if (special is null)
            {
                break;
            }

            ids.Add(special == StartOfText ? StartId : EndId);
            rest = rest[(at + special.Length)..];
        }

        if (ids.Count > ContextLength - 1)
        {
            ids.RemoveRange(ContextLength - 1, ids.Count - (ContextLength - 1));
        }

        ids.Add(EndId);
        return [.. ids];
    }

    private static (int At, string? Special) NextSpecial(ReadOnlySpan<char> text)
    {
        var start = text.IndexOf(StartOfText, StringComparison.Ordinal);
        var end = text.IndexOf(EndOfText, StringComparison.Ordinal);
        return (start, end) switch
        {
            (< 0, < 0) => (text.Length, null),
            (>= 0, < 0) => (start, StartOfText),
            (< 0, >= 0) => (end, EndOfText),
            _ => start < end ? (start, StartOfText) : (end, EndOfText),
        };
    }

    private static (string, string) ParseMerge(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        return space > 0 ? (line[..space], line[(space + 1)..]) : throw new InvalidDataException($"Merge '{line}' is not two symbols.");
    }
}

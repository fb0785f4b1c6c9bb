using System.Security.Cryptography;
using System.Text;

namespace VisionSearch.Embeddings.Caching;

/// <summary>
/// Content addresses for embeddings: the first 128 bits of SHA-256 over the model's identity, the input's kind and
/// the input itself (an image's encoded bytes; a text after the normalisation every CLIP tokenizer applies first).
/// The identity is part of the hash, so another model, revision or preprocessing never finds this model's vectors.
/// </summary>
public static class EmbeddingKeys
{
    /// <summary>The key of <paramref name="text"/> embedded by <paramref name="model"/>.</summary>
    public static string Text(string model, string text) => Hash(model, (byte)'t', Encoding.UTF8.GetBytes(NormalizeText(text)));

    /// <summary>The key of the encoded image <paramref name="image"/> embedded by <paramref name="model"/>.</summary>
    public static string Image(string model, ReadOnlySpan<byte> image) => Hash(model, (byte)'i', image);

    /// <summary>
    /// NFC with every whitespace run made one space, trimmed: what CLIP's tokenizers (OpenAI's <c>whitespace_clean</c>,
    /// Hugging Face's normaliser) do before anything else, so texts that differ only there share a vector. Case is kept:
    /// not every model lowercases.
    /// </summary>
    internal static string NormalizeText(string text)
    {
        var composed = text.Normalize(NormalizationForm.FormC);
        var builder = new StringBuilder(composed.Length);
        var space = false;
        foreach (var rune in composed.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune))
            {
                space = builder.Length > 0;
                continue;
            }

            if (space)
            {
                builder.Append(' ');
                space = false;
            }

            builder.Append(rune);
        }

        return builder.ToString();
    }

    private static string Hash(string model, byte kind, ReadOnlySpan<byte> content)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(model));
        hash.AppendData([0, kind, 0]);
        hash.AppendData(content);
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return Convert.ToHexStringLower(digest[..16]);
    }
}

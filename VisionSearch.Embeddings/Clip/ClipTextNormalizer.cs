using System.Globalization;
using System.Text;

namespace VisionSearch.Embeddings.Clip;

/// <summary>
/// The CLIP fast tokenizer's normaliser and pre-tokeniser (tokenizer.json): NFC, every whitespace run to
/// one space, lowercase code point by code point with the full mapping, then pieces by the pattern
/// <c>'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+</c>, scanned by code point (a .NET
/// <c>Regex</c> works on UTF-16 units and would split astral letters).
/// </summary>
internal static class ClipTextNormalizer
{
    private static readonly string[] Contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

    public static string Normalize(string text)
    {
        var composed = text.Normalize(NormalizationForm.FormC);
        var builder = new StringBuilder(composed.Length);
        var inSpace = false;
        foreach (var rune in composed.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune))
            {
                if (!inSpace)
                {
                    builder.Append(' ');
                }

                inSpace = true;
                continue;
            }

            inSpace = false;
            if (rune.Value == 0x130)
            {
                builder.Append("i\u0307"); // Rust's full lowercase mapping; .NET leaves İ unchanged
            }
            else
            {
                builder.Append(Rune.ToLowerInvariant(rune).ToString());
            }
        }

        return builder.ToString();
    }

    /// <summary>Calls <paramref name="piece"/> with each piece of a normalised text, in order.</summary>
    public static void Split(string normalized, Action<string> piece)
    {
        var i = 0;
        while (i < normalized.Length)
        {
            var rune = Rune.GetRuneAt(normalized, i);
            if (Rune.IsWhiteSpace(rune))
            {
                i += rune.Utf16SequenceLength;
                continue;
            }

            var start = i;
            if (rune.Value == '\'' && Contraction(normalized, i) is { } contraction)
            {
                i += contraction.Length;
            }
            else if (IsLetter(rune))
            {
                i = Advance(normalized, i, IsLetter);
            }
            else if (IsNumber(rune))
            {
                i += rune.Utf16SequenceLength;
            }
            else
            {
                i = Advance(normalized, i, r => !Rune.IsWhiteSpace(r) && !IsLetter(r) && !IsNumber(r));
            }

            piece(normalized[start..i]);
        }
    }

    private static string? Contraction(string text, int index)
    {
        foreach (var contraction in Contractions)
        {
            if (string.CompareOrdinal(text, index, contraction, 0, contraction.Length) == 0)
            {
                return contraction;
            }
        }

        return null;
    }

    private static int Advance(string text, int index, Func<Rune, bool> member)
    {
        while (index < text.Length)
        {
            var rune = Rune.GetRuneAt(text, index);
            if (!member(rune))
            {
                break;
            }

            index += rune.Utf16SequenceLength;
        }

        return index;
    }

    private static bool IsLetter(Rune rune) => Rune.GetUnicodeCategory(rune) is
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
        or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter;

    private static bool IsNumber(Rune rune) => Rune.GetUnicodeCategory(rune) is
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;
}

using System.Globalization;
using System.Text;
using VisionSearch.Datasets.Access;

namespace VisionSearch.Datasets.Text;

/// <summary>
/// Lines of a file as strict UTF-8 (a BOM skipped, <c>\r\n</c> or <c>\n</c>), one at a time. A line that is not
/// valid UTF-8, or longer than the limit, comes back with a problem instead of text, so the caller can report it
/// and go on; a too-long line is skipped without being held.
/// </summary>
internal static class ByteLines
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The lines of <paramref name="path"/>, opened as <see cref="SharedFiles.OpenRead"/> opens it.</summary>
    public static IEnumerable<(long Line, string? Text, string? Problem)> Read(string path, int maxLineBytes, SharedFolders? inside)
    {
        using var stream = SharedFiles.OpenStream(path, inside, FileOptions.SequentialScan);
        var buffer = new byte[1 << 16];
        var line = new MemoryStream();
        var length = 0L; // of the current line, including what was not kept
        var number = 0L;
        var first = true;
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            var offset = first && buffer.AsSpan(0, read).StartsWith("\uFEFF"u8) ? 3 : 0;
            first = false;
            int newline;
            while ((newline = Array.IndexOf(buffer, (byte)'\n', offset, read - offset)) >= 0)
            {
                Append(buffer.AsSpan(offset, newline - offset));
                yield return Finish(number++);
                offset = newline + 1;
            }

            Append(buffer.AsSpan(offset, read - offset));
        }

        if (length > 0)
        {
            yield return Finish(number);
        }

        void Append(ReadOnlySpan<byte> part)
        {
            length += part.Length;
            if (length <= maxLineBytes + 1) // + 1: a '\r' before the newline is not the line's
            {
                line.Write(part);
            }
        }

        (long, string?, string?) Finish(long at)
        {
            var result = length > maxLineBytes + 1 || (length == maxLineBytes + 1 && !line.GetBuffer().AsSpan(0, (int)line.Length).EndsWith("\r"u8))
                ? (at, null, string.Create(CultureInfo.InvariantCulture, $"line {at + 1} is {length:N0} bytes, longer than the {maxLineBytes:N0}-byte limit"))
                : Decode(at, line);
            line.SetLength(0);
            length = 0;
            return result;
        }
    }

    private static (long, string?, string?) Decode(long at, MemoryStream line)
    {
        var bytes = line.GetBuffer().AsSpan(0, (int)line.Length);
        if (bytes.EndsWith("\r"u8))
        {
            bytes = bytes[..^1];
        }

        try
        {
            return (at, Strict.GetString(bytes), null);
        }
        catch (DecoderFallbackException)
        {
            return (at, null, $"line {at + 1} is not valid UTF-8");
        }
    }
}

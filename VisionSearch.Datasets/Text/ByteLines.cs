using System.Text;

namespace VisionSearch.Datasets.Text;

/// <summary>
/// Lines of a file as strict UTF-8 (a BOM skipped, <c>\r\n</c> or <c>\n</c>), one at a time: a line
/// that is not valid UTF-8 comes back as null so the caller can report it and go on.
/// </summary>
internal static class ByteLines
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static IEnumerable<(long Line, string? Text)> Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        var buffer = new byte[1 << 16];
        var line = new MemoryStream();
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
                line.Write(buffer, offset, newline - offset);
                yield return (number++, Decode(line));
                line.SetLength(0);
                offset = newline + 1;
            }

            line.Write(buffer, offset, read - offset);
        }

        if (line.Length > 0)
        {
            yield return (number, Decode(line));
        }
    }

    private static string? Decode(MemoryStream line)
    {
        var bytes = line.GetBuffer().AsSpan(0, (int)line.Length);
        if (bytes.EndsWith("\r"u8))
        {
            bytes = bytes[..^1];
        }

        try
        {
            return Strict.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}

using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using VisionSearch.Datasets;

namespace VisionSearch.Silo.Grains;

/// <summary>
/// What a source gave for an item, as the first 128 bits of SHA-256 over its kind, text, image bytes or vector and
/// metadata (each part length-prefixed): a sync compares it with the hash in the item's record to tell a changed item
/// from an unchanged one without embedding either.
/// </summary>
internal static class ContentHash
{
    public static string Of(DatasetItem item)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData([(byte)item.Kind]);
        Append(hash, item.Text is null ? [] : Encoding.UTF8.GetBytes(item.Text));
        Append(hash, item.Bytes.Span);
        Append(hash, item.Vector is null ? [] : MemoryMarshal.AsBytes(item.Vector.AsSpan()));
        Append(hash, item.Metadata.Count == 0 ? [] : JsonSerializer.SerializeToUtf8Bytes(item.Metadata));
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return Convert.ToHexStringLower(digest[..16]);
    }

    private static void Append(IncrementalHash hash, ReadOnlySpan<byte> part)
    {
        Span<byte> length = stackalloc byte[sizeof(int)];
        BitConverter.TryWriteBytes(length, part.Length);
        hash.AppendData(length);
        hash.AppendData(part);
    }
}

using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace VisionSearch.Api.Models;

/// <summary>
/// A vector in a JSON body: an array of numbers, or a string of base64 little-endian float32 (4 bytes a dimension,
/// numpy's <c>base64.b64encode(v.astype('&lt;f4').tobytes())</c>), which is a third smaller than decimal text and
/// costs no number parsing on either side. Arrays are read in one pass into a pooled buffer.
/// </summary>
internal sealed class VectorJsonConverter : JsonConverter<float[]>
{
    public override float[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            if (!reader.TryGetBytesFromBase64(out var bytes) || bytes.Length % sizeof(float) != 0)
            {
                throw new VectorFormatException("A vector as a string is base64 of little-endian float32: 4 bytes a dimension.");
            }

            var decoded = new float[bytes.Length / sizeof(float)];
            if (!BitConverter.IsLittleEndian)
            {
                throw new PlatformNotSupportedException("Base64 vectors are read on little-endian machines.");
            }

            bytes.CopyTo(MemoryMarshal.AsBytes(decoded.AsSpan()));
            return decoded;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new VectorFormatException("A vector is an array of numbers, or a base64 string of little-endian float32.");
        }

        var buffer = ArrayPool<float>.Shared.Rent(1024);
        try
        {
            var count = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.Number)
                {
                    throw new VectorFormatException("A vector's values are numbers.");
                }

                if (count == buffer.Length)
                {
                    var larger = ArrayPool<float>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan().CopyTo(larger);
                    ArrayPool<float>.Shared.Return(buffer);
                    buffer = larger;
                }

                buffer[count++] = reader.GetSingle();
            }

            return buffer[..count];
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    public override void Write(Utf8JsonWriter writer, float[] value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var x in value)
        {
            writer.WriteNumberValue(x);
        }

        writer.WriteEndArray();
    }
}

/// <summary>A vector in a form the converter does not read: a 422 naming the vector's field, with this message.</summary>
internal sealed class VectorFormatException(string message) : JsonException(message);

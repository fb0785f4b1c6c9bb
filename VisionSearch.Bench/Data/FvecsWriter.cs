using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace VisionSearch.Bench.Data;

/// <summary>Rows of the TEXMEX layout (<c>.fvecs</c>, <c>.ivecs</c>): a little-endian int32 width, then that many float32 or int32.</summary>
internal sealed class FvecsWriter(Stream output, int width) : IDisposable
{
    private readonly BufferedStream _output = new(output, 1 << 22);
    private readonly byte[] _row = new byte[4 + (4 * width)];

    /// <summary>A row of doubles, each rounded to float32 as the C tools cast it.</summary>
    public void Write(ReadOnlySpan<double> values)
    {
        var floats = MemoryMarshal.Cast<byte, float>(_row.AsSpan(4));
        for (var i = 0; i < width; i++)
        {
            floats[i] = (float)values[i];
        }

        Flush();
    }

    public void Write(ReadOnlySpan<float> values)
    {
        values[..width].CopyTo(MemoryMarshal.Cast<byte, float>(_row.AsSpan(4)));
        Flush();
    }

    public void Write(ReadOnlySpan<int> values)
    {
        values[..width].CopyTo(MemoryMarshal.Cast<byte, int>(_row.AsSpan(4)));
        Flush();
    }

    public void Dispose() => _output.Dispose();

    private void Flush()
    {
        // The hosts this runs on are little-endian (BitConverter.IsLittleEndian); the format is too.
        BinaryPrimitives.WriteInt32LittleEndian(_row, width);
        _output.Write(_row);
    }
}

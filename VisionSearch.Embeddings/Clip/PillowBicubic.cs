using System.Numerics;

namespace VisionSearch.Embeddings.Clip;

/// <summary>
/// Pillow's <c>Image.resize(size, BICUBIC)</c> for 8-bit RGB, bit for bit: separable passes (horizontal
/// first, over only the rows the vertical pass reads, computed on the transposed image), Keys' cubic with a = −0.5 widened by the
/// downscale factor (so it antialiases), coefficients normalised in double then fixed point with 22
/// fraction bits, each pass rounding to uint8. Transcribed from libImaging/Resample.c; the comments
/// name the C it follows, because the last bit depends on the order of operations.
/// </summary>
internal static class PillowBicubic
{
    private const int PrecisionBits = 32 - 8 - 2;
    private const double Support = 2.0; // bicubic_filter's support

    /// <summary>
    /// The <paramref name="cropWidth"/> × <paramref name="cropHeight"/> region at (<paramref name="left"/>, <paramref name="top"/>)
    /// of the image resized to <paramref name="newWidth"/> × <paramref name="newHeight"/>, into a new rented image. Each output
    /// pixel of a pass depends only on its own coefficients and source pixels, so computing only the region's columns
    /// (horizontal pass) and rows (vertical pass) gives exactly the pixels a full resize and a crop would, without the
    /// work on the parts the crop throws away (nine tenths of a 10:1 panorama).
    /// </summary>
    public static RgbImage ResizeRegion(RgbImage image, int newWidth, int newHeight, int left, int top, int cropWidth, int cropHeight)
    {
        var (width, height) = (image.Width, image.Height);
        var needHorizontal = newWidth != width;
        var needVertical = newHeight != height;
        var (boundsY, kernelY, sizeY) = needVertical ? Coefficients(height, newHeight, top, cropHeight) : ([], [], 0);

        // ybox_first / ybox_last: the source rows the vertical pass will read (without one, the region's own rows).
        var firstRow = needVertical ? boundsY[0] : top;
        var lastRow = needVertical ? boundsY[(cropHeight * 2) - 2] + boundsY[(cropHeight * 2) - 1] : top + cropHeight;
        var horizontal = RgbImage.Rent(cropWidth, lastRow - firstRow);
        if (needHorizontal)
        {
            // ImagingResampleHorizontal_8bpc's sums, computed as the vertical pass over the transposed rows, whose
            // taps run down contiguous memory and so vectorise; the result is transposed back.
            var (boundsX, kernelX, sizeX) = Coefficients(width, newWidth, left, cropWidth);
            var rows = lastRow - firstRow;
            using var transposed = RgbImage.Rent(rows, width);
            Transpose(image.Pixels, width, firstRow, rows, transposed.Pixels);
            using var columns = RgbImage.Rent(rows, cropWidth);
            Vertical(transposed.Pixels, rows, columns.Pixels, cropWidth, boundsX, kernelX, sizeX);
            Transpose(columns.Pixels, rows, 0, cropWidth, horizontal.Pixels);
        }
        else
        {
            // Pillow makes no horizontal pass: the region's columns are source columns.
            Copy(image.Pixels, width, left, firstRow, horizontal.Pixels, cropWidth, lastRow - firstRow);
        }

        if (!needVertical)
        {
            return horizontal;
        }

        using (horizontal)
        {
            for (var i = 0; i < cropHeight; i++)
            {
                boundsY[i * 2] -= firstRow;
            }

            var output = RgbImage.Rent(cropWidth, cropHeight);
            Vertical(horizontal.Pixels, cropWidth, output.Pixels, cropHeight, boundsY, kernelY, sizeY);
            return output;
        }
    }

    /// <summary>Rows <paramref name="firstRow"/>.. of columns <paramref name="left"/>.. of the source, unchanged.</summary>
    private static void Copy(byte[] source, int width, int left, int firstRow, byte[] output, int columns, int rows)
    {
        for (var y = 0; y < rows; y++)
        {
            Buffer.BlockCopy(source, (((firstRow + y) * width) + left) * 3, output, y * columns * 3, columns * 3);
        }
    }

    /// <summary>
    /// Rows <paramref name="firstRow"/>..+<paramref name="rows"/> of an RGB image <paramref name="width"/> pixels wide,
    /// transposed: output row x holds source column x, <paramref name="rows"/> pixels long.
    /// </summary>
    private static unsafe void Transpose(byte[] source, int width, int firstRow, int rows, byte[] output)
    {
        const int Tile = 32; // a tile of source rows and columns stays in L1 while it is copied
        fixed (byte* src = source, dst = output)
        {
            for (var y0 = 0; y0 < rows; y0 += Tile)
            {
                var y1 = Math.Min(y0 + Tile, rows);
                for (var x0 = 0; x0 < width; x0 += Tile)
                {
                    var x1 = Math.Min(x0 + Tile, width);
                    for (var y = y0; y < y1; y++)
                    {
                        var from = src + ((((long)(firstRow + y) * width) + x0) * 3);
                        var to = dst + ((((long)x0 * rows) + y) * 3);
                        for (var x = x0; x < x1; x++, from += 3, to += rows * 3)
                        {
                            to[0] = from[0];
                            to[1] = from[1];
                            to[2] = from[2];
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// ImagingResampleVertical_8bpc: the same sums, with the loops turned so that each source row is read
    /// front to back into a row of accumulators, a hardware vector of bytes at a time (32 with AVX2, 16 with
    /// SSE or NEON) widened to int32 lanes (integer addition and multiplication are exact, so neither the order
    /// nor the width changes a bit).
    /// </summary>
    private static unsafe void Vertical(byte[] source, int width, byte[] output, int newHeight, int[] bounds, int[] kernel, int kernelSize)
    {
        var stride = width * 3;
        var step = Vector<byte>.Count;
        var lanesPerInt = Vector<int>.Count;
        var vectorEnd = stride - (stride % step);
        var sums = new int[stride];
        fixed (byte* src = source, dst = output)
        fixed (int* acc = sums)
        {
            for (var y = 0; y < newHeight; y++)
            {
                var min = bounds[y * 2];
                var count = bounds[(y * 2) + 1];
                new Span<int>(acc, stride).Fill(1 << (PrecisionBits - 1));
                for (var i = 0; i < count; i++)
                {
                    var w = kernel[(y * kernelSize) + i];
                    var weight = new Vector<int>(w);
                    var row = src + ((long)(min + i) * stride);
                    var x = 0;
                    for (; x < vectorEnd; x += step)
                    {
                        Vector.Widen(Vector.Load(row + x), out Vector<ushort> low, out Vector<ushort> high);
                        Vector.Widen(low, out Vector<uint> a, out Vector<uint> b);
                        Vector.Widen(high, out Vector<uint> c, out Vector<uint> d);
                        var lanes = acc + x;
                        Vector.Store(Vector.Load(lanes) + (Vector.AsVectorInt32(a) * weight), lanes);
                        Vector.Store(Vector.Load(lanes + lanesPerInt) + (Vector.AsVectorInt32(b) * weight), lanes + lanesPerInt);
                        Vector.Store(Vector.Load(lanes + (2 * lanesPerInt)) + (Vector.AsVectorInt32(c) * weight), lanes + (2 * lanesPerInt));
                        Vector.Store(Vector.Load(lanes + (3 * lanesPerInt)) + (Vector.AsVectorInt32(d) * weight), lanes + (3 * lanesPerInt));
                    }

                    for (; x < stride; x++)
                    {
                        acc[x] += row[x] * w;
                    }
                }

                // Clip8 for a vector of sums at once: clamp(sum >> 22, 0, 255) is the same function.
                var outRow = dst + ((long)y * stride);
                var o = 0;
                for (; o < vectorEnd; o += step)
                {
                    var lanes = acc + o;
                    var a = Clip8(Vector.Load(lanes));
                    var b = Clip8(Vector.Load(lanes + lanesPerInt));
                    var c = Clip8(Vector.Load(lanes + (2 * lanesPerInt)));
                    var d = Clip8(Vector.Load(lanes + (3 * lanesPerInt)));
                    Vector.Store(Vector.Narrow(Vector.AsVectorUInt16(Vector.Narrow(a, b)), Vector.AsVectorUInt16(Vector.Narrow(c, d))), outRow + o);
                }

                for (; o < stride; o++)
                {
                    outRow[o] = Clip8(acc[o]);
                }
            }
        }
    }

    /// <summary>precompute_coeffs followed by normalize_coeffs_8bpc, for the <paramref name="count"/> outputs from <paramref name="first"/>.</summary>
    private static (int[] Bounds, int[] Kernel, int KernelSize) Coefficients(int inSize, int outSize, int first, int count)
    {
        var scale = (double)inSize / outSize;
        var filterScale = Math.Max(scale, 1.0);
        var support = Support * filterScale;
        var kernelSize = ((int)Math.Ceiling(support) * 2) + 1;
        var bounds = new int[count * 2];
        var kernel = new int[count * kernelSize];
        var weights = new double[kernelSize];
        for (var i = 0; i < count; i++)
        {
            var xx = first + i;
            var center = (xx + 0.5) * scale;
            var ss = 1.0 / filterScale;
            var xmin = Math.Max((int)(center - support + 0.5), 0);
            var xmax = Math.Min((int)(center + support + 0.5), inSize) - xmin;
            var total = 0.0;
            for (var x = 0; x < xmax; x++)
            {
                var w = Cubic((x + xmin - center + 0.5) * ss);
                weights[x] = w;
                total += w;
            }

            for (var x = 0; x < xmax; x++)
            {
                var w = total != 0.0 ? weights[x] / total : weights[x];
                kernel[(i * kernelSize) + x] = w < 0 ? (int)(-0.5 + (w * (1 << PrecisionBits))) : (int)(0.5 + (w * (1 << PrecisionBits)));
            }

            bounds[i * 2] = xmin;
            bounds[(i * 2) + 1] = xmax;
        }

        return (bounds, kernel, kernelSize);
    }

    /// <summary>bicubic_filter, a = −0.5.</summary>
    private static double Cubic(double x)
    {
        const double a = -0.5;
        if (x < 0.0)
        {
            x = -x;
        }

        if (x < 1.0)
        {
            return ((((a + 2.0) * x) - (a + 3.0)) * x * x) + 1;
        }

        return x < 2.0 ? ((((((x - 5) * x) + 8) * x) - 4) * a) : 0.0;
    }

    private static Vector<int> Clip8(Vector<int> sums) =>
        Vector.Min(Vector.Max(Vector.ShiftRightArithmetic(sums, PrecisionBits), Vector<int>.Zero), new Vector<int>(255));

    private static byte Clip8(int value) => value >= 1 << PrecisionBits << 8 ? (byte)255 : value <= 0 ? (byte)0 : (byte)(value >> PrecisionBits);
}

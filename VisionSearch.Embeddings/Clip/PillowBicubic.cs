namespace VisionSearch.Embeddings.Clip;

/// <summary>
/// Pillow's <c>Image.resize(size, BICUBIC)</c> for 8-bit RGB, bit for bit: separable passes (horizontal
/// first, over only the rows the vertical pass reads), Keys' cubic with a = −0.5 widened by the
/// downscale factor (so it antialiases), coefficients normalised in double then fixed point with 22
/// fraction bits, each pass rounding to uint8. Transcribed from libImaging/Resample.c; the comments
/// name the C it follows, because the last bit depends on the order of operations.
/// </summary>
internal static class PillowBicubic
{
    private const int PrecisionBits = 32 - 8 - 2;
    private const double Support = 2.0; // bicubic_filter's support

    /// <summary>Resizes an RGB image into a new rented one; returns the input itself when the size is unchanged.</summary>
    public static RgbImage Resize(RgbImage image, int newWidth, int newHeight)
    {
        var (width, height) = (image.Width, image.Height);
        if (newWidth == width && newHeight == height)
        {
            return image;
        }

        var (boundsX, kernelX, sizeX) = Coefficients(width, newWidth);
        var (boundsY, kernelY, sizeY) = Coefficients(height, newHeight);

        // ybox_first / ybox_last: the source rows the vertical pass will read.
        var firstRow = boundsY[0];
        var lastRow = boundsY[(newHeight * 2) - 2] + boundsY[(newHeight * 2) - 1];
        if (newWidth == width)
        {
            var vertical = RgbImage.Rent(width, newHeight);
            Vertical(image.Pixels, width, vertical.Pixels, newHeight, boundsY, kernelY, sizeY);
            return vertical;
        }

        for (var i = 0; i < newHeight; i++)
        {
            boundsY[i * 2] -= firstRow;
        }

        var horizontal = RgbImage.Rent(newWidth, lastRow - firstRow);
        Horizontal(image.Pixels, width, firstRow, lastRow - firstRow, horizontal.Pixels, newWidth, boundsX, kernelX, sizeX);
        if (newHeight == height)
        {
            return horizontal;
        }

        using (horizontal)
        {
            var output = RgbImage.Rent(newWidth, newHeight);
            Vertical(horizontal.Pixels, newWidth, output.Pixels, newHeight, boundsY, kernelY, sizeY);
            return output;
        }
    }

    /// <summary>ImagingResampleHorizontal_8bpc for RGB: the three channels of a pixel accumulate together.</summary>
    private static unsafe void Horizontal(byte[] source, int width, int firstRow, int rows, byte[] output, int newWidth, int[] bounds, int[] kernel, int kernelSize)
    {
        fixed (byte* src = source, dst = output)
        fixed (int* k = kernel)
        {
            for (var y = 0; y < rows; y++)
            {
                var row = src + ((long)(y + firstRow) * width * 3);
                var outRow = dst + ((long)y * newWidth * 3);
                for (var x = 0; x < newWidth; x++)
                {
                    var p = row + (bounds[x * 2] * 3);
                    var count = bounds[(x * 2) + 1];
                    var weights = k + (x * kernelSize);
                    int s0 = 1 << (PrecisionBits - 1), s1 = s0, s2 = s0;
                    for (var i = 0; i < count; i++, p += 3)
                    {
                        var w = weights[i];
                        s0 += p[0] * w;
                        s1 += p[1] * w;
                        s2 += p[2] * w;
                    }

                    outRow[x * 3] = Clip8(s0);
                    outRow[(x * 3) + 1] = Clip8(s1);
                    outRow[(x * 3) + 2] = Clip8(s2);
                }
            }
        }
    }

    /// <summary>
    /// ImagingResampleVertical_8bpc: the same sums, with the loops turned so that each source row is read
    /// front to back into a row of accumulators (integer addition is exact, so the order changes nothing).
    /// </summary>
    private static unsafe void Vertical(byte[] source, int width, byte[] output, int newHeight, int[] bounds, int[] kernel, int kernelSize)
    {
        var stride = width * 3;
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
                    var row = src + ((long)(min + i) * stride);
                    for (var x = 0; x < stride; x++)
                    {
                        acc[x] += row[x] * w;
                    }
                }

                var outRow = dst + ((long)y * stride);
                for (var x = 0; x < stride; x++)
                {
                    outRow[x] = Clip8(acc[x]);
                }
            }
        }
    }

    /// <summary>precompute_coeffs followed by normalize_coeffs_8bpc.</summary>
    private static (int[] Bounds, int[] Kernel, int KernelSize) Coefficients(int inSize, int outSize)
    {
        var scale = (double)inSize / outSize;
        var filterScale = Math.Max(scale, 1.0);
        var support = Support * filterScale;
        var kernelSize = ((int)Math.Ceiling(support) * 2) + 1;
        var bounds = new int[outSize * 2];
        var kernel = new int[outSize * kernelSize];
        var weights = new double[kernelSize];
        for (var xx = 0; xx < outSize; xx++)
        {
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
                kernel[(xx * kernelSize) + x] = w < 0 ? (int)(-0.5 + (w * (1 << PrecisionBits))) : (int)(0.5 + (w * (1 << PrecisionBits)));
            }

            bounds[xx * 2] = xmin;
            bounds[(xx * 2) + 1] = xmax;
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

    private static byte Clip8(int value) => value >= 1 << PrecisionBits << 8 ? (byte)255 : value <= 0 ? (byte)0 : (byte)(value >> PrecisionBits);
}

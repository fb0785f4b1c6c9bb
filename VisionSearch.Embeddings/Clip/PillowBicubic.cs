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

    /// <summary>Resizes an interleaved RGB image; returns the input itself when the size is unchanged.</summary>
    public static byte[] Resize(byte[] source, int width, int height, int newWidth, int newHeight)
    {
        if (newWidth == width && newHeight == height)
        {
            return source;
        }

        var (boundsX, kernelX, sizeX) = Coefficients(width, newWidth);
        var (boundsY, kernelY, sizeY) = Coefficients(height, newHeight);

        // ybox_first / ybox_last: the source rows the vertical pass will read.
        var firstRow = boundsY[0];
        var lastRow = boundsY[(newHeight * 2) - 2] + boundsY[(newHeight * 2) - 1];
        var temp = source;
        var tempWidth = width;
        if (newWidth != width)
        {
            for (var i = 0; i < newHeight; i++)
            {
                boundsY[i * 2] -= firstRow;
            }

            temp = new byte[(lastRow - firstRow) * newWidth * 3];
            Horizontal(source, width, firstRow, lastRow - firstRow, temp, newWidth, boundsX, kernelX, sizeX);
            tempWidth = newWidth;
            if (newHeight == height)
            {
                return temp;
            }
        }

        var output = new byte[newHeight * tempWidth * 3];
        Vertical(temp, tempWidth, output, newHeight, boundsY, kernelY, sizeY);
        return output;
    }

    private static void Horizontal(byte[] source, int width, int firstRow, int rows, byte[] output, int newWidth, int[] bounds, int[] kernel, int kernelSize)
    {
        for (var y = 0; y < rows; y++)
        {
            var sourceRow = (y + firstRow) * width * 3;
            var outputRow = y * newWidth * 3;
            for (var x = 0; x < newWidth; x++)
            {
                var min = bounds[x * 2];
                var count = bounds[(x * 2) + 1];
                var k = x * kernelSize;
                for (var c = 0; c < 3; c++)
                {
                    var sum = 1 << (PrecisionBits - 1);
                    for (var i = 0; i < count; i++)
                    {
                        sum += source[sourceRow + ((min + i) * 3) + c] * kernel[k + i];
                    }

                    output[outputRow + (x * 3) + c] = Clip8(sum);
                }
            }
        }
    }

    private static void Vertical(byte[] source, int width, byte[] output, int newHeight, int[] bounds, int[] kernel, int kernelSize)
    {
        var stride = width * 3;
        for (var y = 0; y < newHeight; y++)
        {
            var min = bounds[y * 2];
            var count = bounds[(y * 2) + 1];
            var k = y * kernelSize;
            for (var x = 0; x < stride; x++)
            {
                var sum = 1 << (PrecisionBits - 1);
                for (var i = 0; i < count; i++)
                {
                    sum += source[((min + i) * stride) + x] * kernel[k + i];
                }

                output[(y * stride) + x] = Clip8(sum);
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

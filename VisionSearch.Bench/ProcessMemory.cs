using System.Globalization;

namespace VisionSearch.Bench;

/// <summary>Lines of /proc/self/status, read directly as the contract asks (kB / 1024).</summary>
internal static class ProcessMemory
{
    public static double Megabytes(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                var kilobytes = line[(field.Length + 1)..].Trim().Split(' ')[0];
                return Math.Round(double.Parse(kilobytes, CultureInfo.InvariantCulture) / 1024, 3);
            }
        }

        throw new InvalidOperationException($"/proc/self/status has no {field} line.");
    }
}

using System.Diagnostics;
using System.Globalization;

namespace VisionSearch.Bench.Data;

/// <summary>A base set and its queries written by <see cref="ClipLikeVectors"/>, with the summary line gen.c prints.</summary>
internal static class VectorSets
{
    public static string Generate(ClipLikeParameters p, long count, string basePath, int queryCount, string? queryPath, TextWriter log)
    {
        var started = Stopwatch.GetTimestamp();
        var model = new ClipLikeVectors(p);
        var sizes = new int[p.Clusters];
        var progress = new Progress<long>(n => log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {n:N0}/{count:N0} base vectors")));
        using (var stream = File.Create(basePath))
        {
            model.Write(stream, count, model.BaseSeed, 1.0, sizes, progress);
        }

        if (queryCount > 0)
        {
            using var stream = File.Create(queryPath!);
            model.Write(stream, queryCount, model.QuerySeed, p.QueryNoise);
        }

        return string.Create(CultureInfo.InvariantCulture,
            $$"""{"tool":"gen","n":{{count}},"q":{{queryCount}},"dim":{{p.Dimension}},"clusters":{{p.Clusters}},"supers":{{p.SuperClusters}},"rank":{{p.Rank}},"seed":{{p.Seed}},"gamma":{{p.Gamma}},"wm":{{p.ConeWeight}},"wsup":{{p.SuperWeight}},"wc":{{p.ClusterWeight}},"sigma":{{p.Sigma}},"tau":{{p.Tau}},"popsigma":{{p.PopularitySigma}},"query_noise":{{p.QueryNoise}},"cluster_size_min":{{sizes.Min()}},"cluster_size_max":{{sizes.Max()}},"empty_clusters":{{sizes.Count(s => s == 0)}},"seconds":{{Stopwatch.GetElapsedTime(started).TotalSeconds:F2}}}""");
    }
}

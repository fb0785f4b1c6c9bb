using VisionSearch.AppHost.Resources;

namespace VisionSearch.AppHost;

/// <summary>What the AppHost prints once everything is healthy: each resource with its process and address, then where to look.</summary>
internal static class ResourceTable
{
    public static string Format(
        AppHostOptions settings, RedisResource redis, Supervisor? redisProcess, IReadOnlyList<Supervisor> silos, Supervisor api, string? otlp)
    {
        var apiUrl = $"http://127.0.0.1:{settings.ApiPort}";
        var rows = new List<(string Name, string Pid, string Address)>
        {
            ("redis", redisProcess is null ? "-" : $"{redisProcess.Current.Id}", $"{redis.ConnectionString}  {redis.Description}"),
        };
        rows.AddRange(silos.Select((s, i) => (s.Name, $"{s.Current.Id}", $"http://127.0.0.1:{settings.SiloHttpPortOf(i + 1)}/health")));
        rows.Add(("api", $"{api.Current.Id}", apiUrl));

        string[] lines =
        [
            "",
            "VisionSearch is running. Press Ctrl+C to stop everything.",
            "",
            $"  {"Resource",-10}{"PID",-9}Address",
            .. rows.Select(r => $"  {r.Name,-10}{r.Pid,-9}{r.Address}"),
            "",
            $"  {"API",-19}{apiUrl}",
            $"  {"Swagger",-19}{apiUrl}/docs",
            $"  {"Orleans dashboard",-19}http://127.0.0.1:{settings.SiloHttpPortOf(1)}/dashboard",
            $"  {"Traces, metrics",-19}{(otlp is { Length: > 0 } ? $"OTLP to {otlp}" : "not exported: run a dashboard and pass --otlp http://localhost:4317 (README)")}",
        ];
        return string.Join(Environment.NewLine, lines) + Environment.NewLine;
    }
}

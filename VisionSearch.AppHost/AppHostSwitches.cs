namespace VisionSearch.AppHost;

/// <summary>
/// The AppHost's short switches (<c>--silos 3</c>), each an alias of a configuration key, so a switch, appsettings.json
/// and an environment variable set the same thing; <c>--help</c> prints this table.
/// </summary>
internal static class AppHostSwitches
{
    /// <summary>A switch; a flag takes no value: present means true (<c>--single-process</c>), unless given one (<c>--single-process=false</c>).</summary>
    private sealed record Switch(string Name, string Key, string Default, string Description, bool IsFlag = false);

    private static readonly Switch[] Switches =
    [
        new("--silos", "AppHost:Silos", "2", "How many silo processes to run."),
        new("--single-process", "AppHost:SingleProcess", "", "Run one silo that serves the API itself (on the API's port) in place of the API and the silos.", IsFlag: true),
        new("--api-port", "AppHost:ApiPort", "5080", "The API's port on 127.0.0.1 (Swagger at /docs)."),
        new("--silo-port", "AppHost:SiloHttpPort", "5090", "The silos' HTTP port (health, the Orleans dashboard at /dashboard)."),
        new("--web-port", "AppHost:WebPort", "5070", "The search page's port on 127.0.0.1."),
        new("--data", "AppHost:DataDir", "data", "Where redis-server keeps its append-only file."),
        new("--datasets", "AppHost:DatasetsDir", "datasets", "The folder builds may read local sources from (the silos' Datasets:Roots); made if missing."),
        new("--redis", "ConnectionStrings:redis", "(start one)", "Use this Redis instead: host:port[,password=...]. Unset: a container when Docker or Podman runs, else redis-server from PATH, else embedded Garnet."),
        new("--embedder", "AppHost:Embedder", "local", "The silos' default embedder: local (ONNX Runtime) or sagemaker."),
        new("--model", "AppHost:Model", "Xenova/clip-vit-base-patch32", "The local CLIP model: a folder in the Hugging Face layout or a Hub repo id."),
        new("--sagemaker-endpoint", "AppHost:SageMakerEndpoint", "", "The SageMaker endpoint the sagemaker embedder calls."),
        new("--region", "AppHost:Region", "$AWS_REGION", "The SageMaker endpoint's AWS region."),
        new("--otlp", "AppHost:Otlp", "(the dashboard)", "Send every service's traces, metrics and logs to this OTLP collector instead, e.g. http://localhost:4317."),
    ];

    public static bool WantsHelp(string[] args) => args.Any(a => a is "--help" or "-h" or "-?");

    /// <summary>The arguments with each short switch (<c>--silos 3</c>, <c>--silos=3</c>) written as its key (<c>--AppHost:Silos=3</c>).</summary>
    public static string[] Expand(string[] args)
    {
        var expanded = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var (name, value) = args[i].Split('=', 2) is [var n, var v] ? (n, (string?)v) : (args[i], null);
            if (Switches.FirstOrDefault(s => s.Name == name) is { } known)
            {
                value ??= known.IsFlag ? "true" : i + 1 < args.Length ? args[++i] : "";
                expanded.Add($"--{known.Key}={value}");
            }
            else
            {
                expanded.Add(args[i]);
            }
        }

        return [.. expanded];
    }

    public static string Help()
    {
        const int Width = 32;
        var lines = Switches.Select(s =>
            $"  {(s.IsFlag ? s.Name : s.Name + " <value>").PadRight(Width)}{s.Description}{(s.Default.Length > 0 ? $" Default: {s.Default}." : "")}{Environment.NewLine}" +
            $"  {"".PadRight(Width)}Also: {s.Key}");
        return $"""
            VisionSearch AppHost (.NET Aspire): Redis, the silos and the API, and the Aspire dashboard; Ctrl+C stops them all.

            Usage: dotnet run --project VisionSearch.AppHost [-- options]

            Options:
            {string.Join(Environment.NewLine, lines)}
              {"-h, --help".PadRight(Width)}Show this help.

            Every option is also a configuration key: set it in VisionSearch.AppHost/appsettings.json, as an environment
            variable (AppHost__Silos=3) or as --AppHost:Silos=3. Settings of the silos and the API themselves (Api__ApiKey,
            Embeddings__Clip__MaxBatchSize, Datasets__MaxItemBytes, ...) pass through from the AppHost's environment.
            """;
    }
}

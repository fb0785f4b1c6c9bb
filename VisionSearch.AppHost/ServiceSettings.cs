using System.Collections;

namespace VisionSearch.AppHost;

/// <summary>What the AppHost hands the silos and the API beyond what Aspire's references do.</summary>
internal static class ServiceSettings
{
    /// <summary>
    /// Environment variables of the AppHost that configure the services themselves and pass through to them, as they
    /// did when a service was started by hand: its own sections, the Hub's and AWS's variables, OpenTelemetry's knobs.
    /// </summary>
    private static readonly string[] PassedThrough =
        ["Api__", "Web__", "Datasets__", "Embeddings__", "Ingestion__", "Index__", "Snapshots__", "Redis__", "HuggingFace__", "Orleans__Membership__", "Orleans__Dashboard__", "Telemetry__", "HF_", "AWS_", "OTEL_"];

    /// <summary>A silo's settings: the shared datasets folder, the embedder switches that were given, and the pass-through.</summary>
    public static IResourceBuilder<ProjectResource> WithSiloSettings(this IResourceBuilder<ProjectResource> silo, AppHostOptions options)
    {
        var datasets = Directory.CreateDirectory(options.DatasetsDir).FullName;
        (string Key, string? Value)[] given =
        [
            ("Datasets__Roots__0", datasets),
            ("Embeddings__Embedder", options.Embedder),
            ("Embeddings__Clip__Model", options.Model),
            ("Embeddings__SageMaker__EndpointName", options.SageMakerEndpoint),
            ("Embeddings__SageMaker__Region", options.Region),
        ];
        foreach (var (key, value) in given.Where(g => !string.IsNullOrWhiteSpace(g.Value)))
        {
            silo.WithEnvironment(key, value);
        }

        return silo.WithServiceSettings(options);
    }

    /// <summary>
    /// The pass-through, then an outside OTLP collector in place of the dashboard's when one is named. Aspire sets
    /// <c>OTEL_TRACES_SAMPLER=always_on</c> for every project; unless the operator set it, it goes, and the services keep
    /// their budget of traces a second (<c>Telemetry:TracesPerSecond</c>): the dashboard ingesting a span for every
    /// call cost a third of the search throughput on 2 cores.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithServiceSettings(this IResourceBuilder<ProjectResource> service, AppHostOptions options) =>
        service.WithEnvironment(context =>
        {
            context.EnvironmentVariables.Remove("OTEL_TRACES_SAMPLER");
            foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
            {
                if (variable.Key is string key && PassedThrough.Any(p => key.StartsWith(p, StringComparison.Ordinal)))
                {
                    context.EnvironmentVariables[key] = variable.Value?.ToString() ?? "";
                }
            }

            if (options.Otlp is { } collector)
            {
                context.EnvironmentVariables["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector;
            }
        });
}

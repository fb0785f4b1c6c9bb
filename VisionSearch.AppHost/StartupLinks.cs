using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace VisionSearch.AppHost;

/// <summary>
/// Aspire prints only the dashboard's login link; a newcomer's next stop is the search page, so the AppHost says where
/// it is (and the API with its Swagger) once the page answers.
/// </summary>
internal static partial class StartupLinks
{
    public static IResourceBuilder<T> PrintsLinksWhenReady<T>(this IResourceBuilder<T> web, AppHostOptions options)
        where T : IResource =>
        web.OnResourceReady((_, e, _) =>
        {
            var logger = e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("VisionSearch.AppHost");
            LogLinks(logger, options.WebPort, options.ApiPort);
            return Task.CompletedTask;
        });

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Search page: http://localhost:{WebPort} · API: http://localhost:{ApiPort} (Swagger: /docs)")]
    private static partial void LogLinks(ILogger logger, int webPort, int apiPort);
}

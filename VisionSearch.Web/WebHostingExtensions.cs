using VisionSearch.ServiceDefaults;
using VisionSearch.Web.Api;
using VisionSearch.Web.Components;

namespace VisionSearch.Web;

/// <summary>Composes the page: the API client (found by service discovery as <c>http://api</c>), Blazor, the image relay.</summary>
public static class WebHostingExtensions
{
    public static WebApplicationBuilder AddVisionSearchWeb(this WebApplicationBuilder builder)
    {
        // Blazor's script and the page's assets from the build output in every environment (the AppHost runs the
        // page as built, not published, and not as Development); a published page serves them from wwwroot.
        builder.WebHost.UseStaticWebAssets();
        builder.AddServiceDefaults();
        builder.Services.AddOptions<WebOptions>().BindConfiguration(WebOptions.SectionName);
        builder.Services.AddServiceDiscovery();
        // The API is `api` wherever it runs: `services__api__http__0` comes from the AppHost's WithReference(api),
        // from compose, or from a test.
        builder.Services.AddHttpClient<ApiClient>(http => http.BaseAddress = new Uri("http://api"))
            .AddServiceDiscovery();
        builder.Services.AddScoped<KeySession>();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        return builder;
    }

    public static WebApplication UseVisionSearchWeb(this WebApplication app)
    {
        app.UseExceptionHandler("/error", createScopeForErrors: true);
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapImageRelay();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        app.MapDefaultEndpoints();
        return app;
    }
}

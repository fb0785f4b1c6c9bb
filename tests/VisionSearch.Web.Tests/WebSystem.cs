using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Playwright;
using VisionSearch.Testing;

namespace VisionSearch.Web.Tests;

/// <summary>
/// The whole system and the page in the test process (real Redis, a silo, the API and the page on Kestrel over
/// loopback, the page finding the API as `api` through service discovery), and Debian's Chromium, headless, driven
/// by Playwright. Builds here take one item per batch, so a build of the fixture folder lasts long enough to watch.
/// </summary>
public sealed class WebSystem() : ApiCluster(new RedisServerFixture(), new()
{
    ["Ingestion:BatchSize"] = "1",
    ["Ingestion:BatchesInFlight"] = "1",
})
{
    private WebApplicationFactory<Program> _web = null!;
    private IPlaywright _playwright = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The page's address, e.g. http://127.0.0.1:40123.</summary>
    public Uri Page { get; private set; } = null!;

    /// <summary>Where this run's screenshots go (beside the test binaries).</summary>
    public static string Screenshots { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        _web = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("urls", "http://127.0.0.1:0");
            web.UseSetting("services:api:http:0", Client.BaseAddress!.ToString().TrimEnd('/'));
            web.UseSetting("Logging:LogLevel:Default", "Warning");
        });
        _web.UseKestrel();
        _web.StartServer();
        Page = _web.ClientOptions.BaseAddress;

        var chromium = Environment.GetEnvironmentVariable("CHROMIUM") ?? "/usr/bin/chromium";
        Assert.SkipUnless(File.Exists(chromium) || Environment.GetEnvironmentVariable("CI") is not null, $"No Chromium at {chromium} (apt-get install chromium).");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            // Chromium's own network chatter, refused on a closed network, and the sandbox a root container lacks.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public override async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_web is not null)
        {
            await _web.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    /// <summary>A new page in its own context at <paramref name="width"/> pixels wide.</summary>
    public async Task<IPage> OpenAsync(int width = 1280)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = 900 }, BaseURL = Page.ToString() });
        return await context.NewPageAsync();
    }
}

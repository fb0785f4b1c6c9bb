using Microsoft.Playwright;
using VisionSearch.Testing;

namespace VisionSearch.Web.Tests;

/// <summary>
/// The page in a real browser, as a newcomer uses it: build the fixture folder from the form and watch it, search by
/// text and by an uploaded image, open a result, follow "more like this", go back; errors in the API's words.
/// The dataset is built once through the form (the first test to need it), then shared.
/// </summary>
public sealed class SearchPageTests(WebSystem system) : IClassFixture<WebSystem>
{
    private const string Dataset = "photos";
    private static readonly SemaphoreSlim Built = new(1, 1);
    private static bool _built;

    [Fact]
    public async Task Building_the_fixture_folder_from_the_form_shows_its_progress_until_it_is_ready()
    {
        await BuildThroughTheFormAsync();
    }

    [Fact]
    public async Task Enter_searches_by_text_and_the_grid_shows_k_results_whose_images_loaded()
    {
        await BuildThroughTheFormAsync();
        var page = await system.OpenAsync();
        await page.GotoAsync($"/?dataset={Dataset}");

        await page.FillAsync("#q", "a photo of a dog");
        await page.FillAsync("#k", "5");
        await page.PressAsync("#q", "Enter");

        await AssertGridLoadedAsync(page, 5);
        Assert.Contains("q=a%20photo%20of%20a%20dog", page.Url, StringComparison.Ordinal); // back, reload and sharing show it again
        await page.ReloadAsync();
        await AssertGridLoadedAsync(page, 5);
        await ScreenshotAsync(page, "search-1280");
    }

    [Fact]
    public async Task An_uploaded_image_finds_its_own_item_first()
    {
        await BuildThroughTheFormAsync();
        var page = await system.OpenAsync();
        await page.GotoAsync($"/?dataset={Dataset}&k=4");
        await page.WaitForSelectorAsync("#image:enabled", new() { State = WaitForSelectorState.Attached }); // a file chosen before the page has loaded is refused

        await page.SetInputFilesAsync("#image", TestFiles.Fixture("clip-tiny", "images", "landscape_321x240.jpg"));

        // The folder holds the image ten times over (itself and nine copies): the first hits are those, at score 1.
        await AssertGridLoadedAsync(page, 4);
        Assert.EndsWith("landscape_321x240.jpg", await page.InnerTextAsync(".grid li:first-child .id"), StringComparison.Ordinal);
        Assert.Equal("1.000", await page.InnerTextAsync(".grid li:first-child .score"));
    }

    [Fact]
    public async Task A_result_opens_its_item_more_like_this_searches_with_it_and_back_returns_the_results()
    {
        await BuildThroughTheFormAsync();
        var page = await system.OpenAsync();
        await page.GotoAsync($"/?dataset={Dataset}&q=stripes&k=6");
        await AssertGridLoadedAsync(page, 6);
        var first = await page.InnerTextAsync(".grid li:first-child .id");

        await page.ClickAsync(".grid li:first-child a");
        await page.WaitForSelectorAsync("article.item img");
        Assert.Equal(first, await page.InnerTextAsync("h1"));
        Assert.True(await page.EvalOnSelectorAsync<bool>("article.item img", "i => i.complete && i.naturalWidth > 0") || await WaitLoadedAsync(page, "article.item img"));
        Assert.True(await page.Locator(".grid li").CountAsync() > 0, "the item page shows its nearest neighbours");

        await page.ClickAsync("text=More like this");
        // The item page's own neighbours are a grid of 12 too: wait until the search page has replaced it.
        await page.WaitForSelectorAsync("article.item", new() { State = WaitForSelectorState.Detached });
        await AssertGridLoadedAsync(page, 12);
        Assert.Contains($"like={Uri.EscapeDataString(first)}", page.Url, StringComparison.Ordinal);
        Assert.DoesNotContain(first, await page.Locator(".grid .id").AllInnerTextsAsync()); // the item itself is left out

        await page.GoBackAsync();
        await page.GoBackAsync();
        await AssertGridLoadedAsync(page, 6);
        Assert.Equal(first, await page.InnerTextAsync(".grid li:first-child .id"));
    }

    [Fact]
    public async Task A_bad_build_request_shows_the_apis_message_beside_the_field_it_names()
    {
        var page = await system.OpenAsync();
        await page.GotoAsync("/datasets");
        await page.FillAsync("#dataset", "leak");
        await page.SelectOptionAsync("#source", "text");
        await page.FillAsync("#location", "/etc/passwd");
        await page.ClickAsync("button:has-text('Build')");
        var location = await page.WaitForSelectorAsync("#location-error");
        Assert.Contains("outside the folders this server shares", await location!.InnerTextAsync(), StringComparison.Ordinal);

        await page.FillAsync("#location", system.Data.File("nothing-here.txt"));
        await page.FillAsync("#m", "1");
        await page.ClickAsync("button:has-text('Build')");
        var m = await page.WaitForSelectorAsync("#m-error");
        Assert.Contains("M must be between 2", await m!.InnerTextAsync(), StringComparison.Ordinal);
        await ScreenshotAsync(page, "build-error-1280");
    }

    [Fact]
    public async Task An_unknown_dataset_shows_the_apis_message()
    {
        var page = await system.OpenAsync();
        await page.GotoAsync("/?dataset=never-built&q=anything");
        var problem = await page.WaitForSelectorAsync(".problem");
        Assert.Contains("Dataset not found.", await problem!.InnerTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task At_390_pixels_wide_the_page_reads_in_two_columns_without_sideways_scrolling()
    {
        await BuildThroughTheFormAsync();
        var page = await system.OpenAsync(390);
        await page.GotoAsync($"/?dataset={Dataset}&q=a%20red%20circle&k=6");
        await AssertGridLoadedAsync(page, 6);

        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways");
        var tops = await page.Locator(".grid li").EvaluateAllAsync<double[]>("cards => cards.map(c => c.getBoundingClientRect().top)");
        Assert.Equal(3, tops.Distinct().Count());
        await ScreenshotAsync(page, "search-390", fullPage: true);
    }

    /// <summary>Builds the fixture folder through the form, once per run, watching the progress bar on the way.</summary>
    private async Task BuildThroughTheFormAsync()
    {
        await Built.WaitAsync();
        try
        {
            if (_built)
            {
                return;
            }

            // 120 images (the fixture's 12, ten times over) in a shared folder: embedded one per batch, a few seconds' build.
            var folder = Directory.CreateDirectory(system.Data.File("photos")).FullName;
            foreach (var image in Directory.GetFiles(TestFiles.Fixture("clip-tiny", "images")))
            {
                for (var copy = 0; copy < 10; copy++)
                {
                    var name = copy == 0 ? Path.GetFileName(image) : $"copy{copy}-{Path.GetFileName(image)}";
                    File.Copy(image, Path.Combine(folder, name), overwrite: true);
                }
            }

            var page = await system.OpenAsync();
            await page.GotoAsync("/datasets");
            await page.FillAsync("#dataset", Dataset);
            await page.SelectOptionAsync("#source", "folder");
            await page.FillAsync("#location", folder);
            await page.FillAsync("#model", TestFiles.Fixture("clip-tiny"));
            await page.ClickAsync("button:has-text('Build')");

            var progress = await page.WaitForSelectorAsync($"li[data-dataset='{Dataset}'] progress", new() { Timeout = 30_000 });
            Assert.NotNull(progress);
            Assert.Contains("items/s", await page.InnerTextAsync($"li[data-dataset='{Dataset}'] .progress"), StringComparison.Ordinal);
            await ScreenshotAsync(page, "datasets-building-1280");
            await page.WaitForSelectorAsync($"li[data-dataset='{Dataset}'].ready", new() { Timeout = 120_000 });
            Assert.Contains("120 items", await page.InnerTextAsync($"li[data-dataset='{Dataset}'] .head"), StringComparison.Ordinal);
            _built = true;
        }
        finally
        {
            Built.Release();
        }
    }

    private static async Task AssertGridLoadedAsync(IPage page, int k)
    {
        try
        {
            await page.WaitForFunctionAsync(
                "k => document.querySelectorAll('.grid li').length === k && [...document.querySelectorAll('.grid img')].every(i => i.complete && i.naturalWidth > 0)",
                k,
                new() { Timeout = 30_000 });
        }
        catch (TimeoutException e)
        {
            // What the page showed instead (a problem, "Searching…", fewer cards, a broken image) is what to fix.
            var shown = await page.EvaluateAsync<string>(
                "() => `${document.querySelector('main')?.innerText} | images: ${[...document.querySelectorAll('.grid img')].map(i => `${i.src} ${i.complete}/${i.naturalWidth}`).join(', ')}`");
            throw new TimeoutException($"{k} loaded results never showed at {page.Url}; the page showed: {shown}", e);
        }

        Assert.Equal(k, await page.Locator(".grid li").CountAsync());
        foreach (var alt in await page.Locator(".grid img").EvaluateAllAsync<string[]>("images => images.map(i => i.alt)"))
        {
            Assert.False(string.IsNullOrWhiteSpace(alt), "every image has alt text");
        }
    }

    private static async Task<bool> WaitLoadedAsync(IPage page, string selector)
    {
        await page.WaitForFunctionAsync($"() => {{ const i = document.querySelector(\"{selector}\"); return i && i.complete && i.naturalWidth > 0; }}");
        return true;
    }

    private static async Task ScreenshotAsync(IPage page, string name, bool fullPage = false)
    {
        var path = Path.Combine(WebSystem.Screenshots, $"{name}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = fullPage });
        TestContext.Current.AddAttachment(name, await File.ReadAllBytesAsync(path), "image/png");
    }
}

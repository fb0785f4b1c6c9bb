using Microsoft.AspNetCore.Http.HttpResults;
using VisionSearch.Api.Access;
using VisionSearch.Api.Models;
using VisionSearch.Api.Problems;
using VisionSearch.Contracts;

namespace VisionSearch.Api.Endpoints;

/// <summary><c>/datasets</c>: list, inspect and delete datasets, and read their items and item images (writes: <see cref="DatasetWriteEndpoints"/>).</summary>
public static class DatasetEndpoints
{
    public static IEndpointRouteBuilder MapDatasetEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/datasets").WithTags("Datasets").RequireAccess(ApiAccess.Read).ProducesProblem(StatusCodes.Status401Unauthorized);
        group.AddEndpointFilter((context, next) =>
            context.HttpContext.Request.RouteValues.TryGetValue("name", out var name) && !DatasetNames.IsValid(name as string)
                ? ValueTask.FromResult<object?>(FieldErrors.Single("name", DatasetNames.Invalid))
                : next(context));
        group.MapGet("", ListAsync)
            .WithName("ListDatasets")
            .WithSummary("Every dataset's status");
        group.MapGet("/{name}", GetAsync)
            .WithName("GetDataset")
            .WithSummary("A dataset's phase, counters, rate, ETA, skipped items and index size")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapDelete("/{name}", DeleteAsync)
            .WithName("DeleteDataset")
            .WithSummary("Stop a running build and delete the dataset's index, records and items")
            .RequireAccess(ApiAccess.Write)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{name}/items/{id}", GetItemAsync)
            .WithName("GetItem")
            .WithSummary("An item of the served index: kind, text, path and metadata")
            .WithDescription("An id with '/' (a folder image in a subfolder) is sent with it escaped as %2F, as result links do.")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{name}/items/{id}/image", GetItemImageAsync)
            .WithName("GetItemImage")
            .WithSummary("An image item's image, read again from its source; ?size=N for a JPEG preview (longest edge N)")
            .Produces(StatusCodes.Status200OK, contentType: "image/jpeg", additionalContentTypes: ["image/png", "image/gif", "image/webp", "image/bmp"])
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapDatasetWrites();
        return app;
    }

    private static async Task<Ok<IndexStatus[]>> ListAsync(IGrainFactory grains) => TypedResults.Ok(await AllAsync(grains));

    private static async Task<Results<Ok<IndexStatus>, ProblemHttpResult>> GetAsync(string name, IGrainFactory grains) =>
        await BuiltStatusAsync(name, grains) is { } status ? TypedResults.Ok(status) : NotFound(name);

    /// <summary>One dataset's status, or null when it has never been built (also <c>GET /index/status?dataset=</c>).</summary>
    internal static async Task<IndexStatus?> BuiltStatusAsync(string name, IGrainFactory grains)
    {
        var status = await grains.GetGrain<IDatasetIndexGrain>(name).GetStatusAsync();
        return status.Status == IndexPhase.Empty ? null : status;
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string name, IGrainFactory grains)
    {
        return await grains.GetGrain<IDatasetIndexGrain>(name).DeleteAsync() ? TypedResults.NoContent() : NotFound(name);
    }

    private static async Task<Results<Ok<ItemView>, ProblemHttpResult>> GetItemAsync(string name, string id, IGrainFactory grains)
    {
        id = ItemId(id);
        var item = await grains.GetGrain<IDatasetIndexGrain>(name).GetItemAsync(id);
        return item is null ? await ItemNotFoundAsync(name, id, grains) : TypedResults.Ok(ItemView.Of(name, id, null, item));
    }

    /// <param name="name">The dataset.</param>
    /// <param name="id">The item's id.</param>
    /// <param name="size">A preview instead of the image: a JPEG whose longest edge is at most this many pixels (1 to 2048), aspect kept.</param>
    /// <param name="http">The request and response.</param>
    /// <param name="grains">The Orleans client.</param>
    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetItemImageAsync(string name, string id, int? size, HttpContext http, IGrainFactory grains)
    {
        if (size is < 1 or > ItemPreviews.MaxEdge)
        {
            return FieldErrors.Single("size", $"Must be between 1 and {ItemPreviews.MaxEdge}.");
        }

        id = ItemId(id);
        var index = grains.GetGrain<IDatasetIndexGrain>(name);
        var result = await index.GetItemImageAsync(id, size);
        switch (result.Outcome)
        {
            case ItemImageOutcome.Found:
                // What an id's image is, is fixed by the served build: the build version (and the size) is its tag, and
                // a browser revalidates after a few minutes, when a rebuild may have changed it.
                http.Response.Headers.CacheControl = "private, max-age=300";
                var tag = new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{result.Image!.Version}-{size?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "full"}\"");
                return TypedResults.File(result.Image.Bytes, result.Image.ContentType, entityTag: tag);
            case ItemImageOutcome.Refused:
                return TypedResults.Problem(title: "The item's source is outside the folders this server shares.", detail: result.Message, statusCode: StatusCodes.Status403Forbidden);
            case ItemImageOutcome.Gone:
                return TypedResults.Problem(
                    title: "The item has no image.",
                    detail: $"Item '{id}' is no longer in its source ({name} was built from it; the source has changed since).{(result.Message is { } why ? " " + why : "")}",
                    statusCode: StatusCodes.Status404NotFound);
        }

        return await index.GetItemAsync(id) is { } item
            ? TypedResults.Problem(title: "The item has no image.", detail: $"Item '{id}' of '{name}' is a {item.Kind}, not an image.", statusCode: StatusCodes.Status404NotFound)
            : await ItemNotFoundAsync(name, id, grains);
    }

    /// <summary>Every dataset's status, in name order.</summary>
    internal static async Task<IndexStatus[]> AllAsync(IGrainFactory grains)
    {
        var names = await grains.GetGrain<IDatasetCatalogGrain>(0).ListAsync();
        return await Task.WhenAll(names.Select(n => grains.GetGrain<IDatasetIndexGrain>(n).GetStatusAsync()));
    }

    internal static ProblemHttpResult NotFound(string dataset) => TypedResults.Problem(
        title: "Dataset not found.", detail: $"Dataset '{dataset}' has not been built.", statusCode: StatusCodes.Status404NotFound);

    /// <summary>Routing leaves an escaped '/' (%2F) in a segment as it came: ids of images in subfolders carry one.</summary>
    internal static string ItemId(string segment) => segment.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);

    private static async Task<ProblemHttpResult> ItemNotFoundAsync(string dataset, string id, IGrainFactory grains) =>
        (await grains.GetGrain<IDatasetIndexGrain>(dataset).GetStatusAsync()).Count == 0
            ? NotFound(dataset)
            : TypedResults.Problem(title: "Item not found.", detail: $"Dataset '{dataset}' has no item '{id}'.", statusCode: StatusCodes.Status404NotFound);
}

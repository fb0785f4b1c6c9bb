using Microsoft.AspNetCore.Http.HttpResults;
using VisionSearch.Api.Access;
using VisionSearch.Api.Models;
using VisionSearch.Api.Problems;
using VisionSearch.Contracts;
using VisionSearch.Hnsw;

namespace VisionSearch.Api.Endpoints;

/// <summary><c>POST /index/build</c> and <c>GET /index/status</c>, each a call to the dataset's index grain, and the shared embedding cache's status.</summary>
public static class IndexEndpoints
{
    public static IEndpointRouteBuilder MapIndexEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/index").WithTags("Index").RequireAccess(ApiAccess.Read);
        group.MapPost("/build", BuildAsync)
            .WithName("BuildIndex")
            .WithSummary("Start building a dataset's index")
            .WithDescription("Returns 202 with the status URL at once; the build runs in the background. The same request again is a no-op; a different one while a build runs is 409. " +
                "mode: sync re-reads the served build's source and makes the index equal to it in place (status: sync.added, replaced, deleted, unchanged); 422 for a dataset never built or created through the API. " +
                "The Python original's body, {\"dataset_repo\": \"org/name\", \"split\": \"train\", \"image_column\": \"image\"}, builds that Hub dataset as 'org--name'.")
            .RequireAccess(ApiAccess.Write)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesValidationProblem(StatusCodes.Status403Forbidden)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/status", GetStatusAsync)
            .WithName("GetIndexStatus")
            .WithSummary("The status of one dataset (?dataset=), or of all of them with the original's summary (status, count, total)")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/embedding-cache", (IGrainFactory grains) => grains.GetGrain<IEmbeddingCacheGrain>(0).StatusAsync())
            .WithName("GetEmbeddingCache")
            .WithSummary("The embedding cache every build, write and query shares: vectors held, bytes against the budget, hits and misses")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return app;
    }

    private static async Task<Results<Accepted<IndexStatus>, ProblemHttpResult>> BuildAsync(
        BuildIndexRequest request, IGrainFactory grains)
    {
        request = request.Normalized();
        var errors = new FieldErrors();
        if (!DatasetNames.IsValid(request.Dataset))
        {
            errors.Add("dataset", $"Required: {DatasetNames.Rule}.");
        }

        if (request.Mode is not (null or BuildIndexRequest.BuildMode or BuildIndexRequest.SyncMode))
        {
            errors.Add("mode", $"Mode '{request.Mode}' is unknown; use {BuildIndexRequest.BuildMode} or {BuildIndexRequest.SyncMode}.");
        }
        else if (request.Mode == BuildIndexRequest.SyncMode)
        {
            if (!SyncCompares.Names.TryParseRequested(request.Compare, out var compare))
            {
                errors.Add("compare", SyncCompares.Names.Unknown(request.Compare));
            }

            return errors.IsEmpty ? Answer(await grains.GetGrain<IDatasetIndexGrain>(request.Dataset!).SyncAsync(compare)) : errors.ToProblem();
        }

        if (request.Compare is not null)
        {
            errors.Add("compare", $"Only with mode {BuildIndexRequest.SyncMode}: a build reads every item.");
        }

        if (string.IsNullOrWhiteSpace(request.Location))
        {
            errors.Add("location", "Required: the path of the file or folder, or the Hub dataset id.");
        }

        if (request.Limit is < 1)
        {
            errors.Add("limit", "Must be at least 1.");
        }

        if (!Names.Metric.TryParseRequested(request.Metric, out var metric))
        {
            errors.Add("metric", Names.Metric.Unknown(request.Metric));
        }

        if (!Names.Quantization.TryParseRequested(request.Quantization, out var quantization))
        {
            errors.Add("quantization", Names.Quantization.Unknown(request.Quantization));
        }

        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }

        var spec = new BuildSpec(
            request.Source ?? SourceKinds.Vectors, request.Location!, request.Limit, metric, request.Column, request.Model,
            request.Subset, request.Split, request.M ?? IndexDefaults.M, request.EfConstruction ?? IndexDefaults.EfConstruction, request.Shards, request.Embedder, quantization);
        return Answer(await grains.GetGrain<IDatasetIndexGrain>(request.Dataset!).BuildAsync(spec));
    }

    private static Results<Accepted<IndexStatus>, ProblemHttpResult> Answer(BuildResult result)
    {
        return result.Outcome switch
        {
            BuildOutcome.Started or BuildOutcome.Unchanged =>
                TypedResults.Accepted(StatusUrl(result.Status.Dataset), result.Status),
            BuildOutcome.Conflict => TypedResults.Problem(
                title: "A different build of this dataset is running.", detail: result.Message, statusCode: StatusCodes.Status409Conflict),
            BuildOutcome.Refused => FieldErrors.Refused(result.Field ?? "location", result.Message ?? "Outside the shared folders."),
            _ => FieldErrors.Single(result.Field ?? "body", result.Message ?? "Invalid build request."),
        };
    }

    private static async Task<Results<Ok<IndexStatus>, Ok<IndexOverview>, ProblemHttpResult>> GetStatusAsync(
        string? dataset, IGrainFactory grains)
    {
        if (dataset is null)
        {
            return TypedResults.Ok(IndexOverview.Of(await DatasetEndpoints.AllAsync(grains)));
        }

        if (!DatasetNames.IsValid(dataset))
        {
            return FieldErrors.Single("dataset", DatasetNames.Invalid);
        }

        return await DatasetEndpoints.BuiltStatusAsync(dataset, grains) is { } status ? TypedResults.Ok(status) : DatasetEndpoints.NotFound(dataset);
    }

    internal static string StatusUrl(string dataset) => $"/index/status?dataset={Uri.EscapeDataString(dataset)}";
}

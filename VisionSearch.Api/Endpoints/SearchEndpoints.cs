using Microsoft.AspNetCore.Http.HttpResults;
using VisionSearch.Api.Models;
using VisionSearch.Api.Problems;
using VisionSearch.Contracts;

namespace VisionSearch.Api.Endpoints;

/// <summary><c>POST /search</c>: the nearest items to a vector, answered by the dataset's index grain.</summary>
public static class SearchEndpoints
{
    /// <summary>The largest k served; beyond it a client wants an export, not a search.</summary>
    public const int MaxK = 1000;

    /// <summary>The widest query vector accepted (the index's own limit).</summary>
    public const int MaxDimension = 65_536;

    public static IEndpointRouteBuilder MapSearchEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/search", SearchAsync)
            .WithTags("Search")
            .WithName("SearchByVector")
            .WithSummary("The k nearest items to a query vector")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<Results<Ok<SearchResponse>, ProblemHttpResult>> SearchAsync(SearchRequest request, IGrainFactory grains)
    {
        var errors = new FieldErrors();
        if (!DatasetNames.IsValid(request.Dataset))
        {
            errors.Add("dataset", $"Required: {DatasetNames.Rule}.");
        }

        if (request.Vector is not { Length: > 0 and <= MaxDimension })
        {
            errors.Add("vector", $"Required: 1 to {MaxDimension} numbers.");
        }

        if (request.K is < 1 or > MaxK)
        {
            errors.Add("k", $"Must be between 1 and {MaxK}.");
        }

        if (request.Ef is < 1 or > 10 * MaxK)
        {
            errors.Add("ef", $"Must be between 1 and {10 * MaxK}.");
        }

        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }

        var result = await grains.GetGrain<IDatasetIndexGrain>(request.Dataset!).SearchAsync(new VectorQuery(request.Vector!, request.K ?? 10, request.Ef ?? 0));
        return result.Outcome switch
        {
            SearchOutcome.Ok => TypedResults.Ok(new SearchResponse(request.Dataset!, result.Hits)),
            SearchOutcome.NotFound => IndexEndpoints.NotFound(request.Dataset!),
            SearchOutcome.NotReady => TypedResults.Problem(
                title: "The index is not ready yet.", detail: result.Message, statusCode: StatusCodes.Status409Conflict),
            _ => FieldErrors.Single("vector", result.Message ?? "Invalid vector."),
        };
    }
}

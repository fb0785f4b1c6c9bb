using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using FromQueryAttribute = Microsoft.AspNetCore.Mvc.FromQueryAttribute;
using Microsoft.Extensions.Options;
using VisionSearch.Api.Access;
using VisionSearch.Api.Models;
using VisionSearch.Api.Problems;
using VisionSearch.Contracts;

namespace VisionSearch.Api.Endpoints;

/// <summary>
/// <c>GET /search?query=</c> (the original's text search) and <c>POST /search</c> by vector, text, item id or
/// uploaded image: each one call to the dataset's index grain, which embeds the query in a silo.
/// </summary>
public static class SearchEndpoints
{
    /// <summary>The largest k served; beyond it a client wants an export, not a search.</summary>
    public const int MaxK = 1000;

    /// <summary>The deepest a search goes: the largest ef, and the largest offset + k.</summary>
    public const int MaxDepth = 10 * MaxK;

    /// <summary>The multipart form field that carries the image.</summary>
    public const string ImageField = "image";

    public static IEndpointRouteBuilder MapSearchEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/search").WithTags("Search").RequireAccess(ApiAccess.Read).ProducesProblem(StatusCodes.Status401Unauthorized);
        group.MapGet("", SearchByTextAsync)
            .WithName("SearchByText")
            .WithSummary("The k nearest items to a text (the Python original's search)")
            .WithDescription("Embeds the text with the model that built the dataset. Results carry the original's `image_path` and `score` beside `id`, the item's text and metadata, and links to the item.")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("", SearchAsync)
            .WithName("Search")
            .WithSummary("The k nearest items to a vector, a text, an indexed item or an uploaded image")
            .WithDescription(
                "As JSON (`application/json`): exactly one of `vector`, `text` or `item_id`. As a form (`multipart/form-data`): the image file in the `image` field, " +
                "with `dataset`, `k`, `ef`, `score_threshold`, `offset` and `filter` (JSON) as form fields (or `text` / `item_id` in place of the image). An image over `Api:MaxUploadBytes` is 413. " +
                "`filter` keeps only items that pass (Qdrant's shape: must / should / must_not of match, range and is_empty conditions on metadata keys, `id` and `kind`); " +
                "a filter naming a key no item has, or a value of a type the key never holds, is 422 naming its path.")
            .Accepts<SearchRequest>("application/json", "multipart/form-data")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        return app;
    }

    /// <param name="http">The request (its abort token carries the request timeout).</param>
    /// <param name="grains">The Orleans client.</param>
    /// <param name="instruments">The search metrics.</param>
    /// <param name="options">The API's limits.</param>
    /// <param name="query">The text to search for.</param>
    /// <param name="q">The same as <c>query</c> (the original's name).</param>
    /// <param name="k">How many results (1 to 1000, default 10).</param>
    /// <param name="dataset">The dataset; may be left out while only one exists.</param>
    /// <param name="ef">The HNSW candidate list size (default 64).</param>
    /// <param name="scoreThreshold">Only hits scoring at least this (cosine, ip) or within this squared distance (l2).</param>
    /// <param name="offset">Skip this many of the best hits (the next page: the response's <c>next_offset</c>).</param>
    /// <param name="filter">A filter as JSON, as POST /search's <c>filter</c>: <c>{"must":[{"key":"color","match":{"value":"red"}}]}</c>.</param>
    private static Task<IResult> SearchByTextAsync(
        HttpContext http,
        IGrainFactory grains,
        SearchInstruments instruments,
        IOptions<ApiOptions> options,
        string? query,
        string? q,
        int? k,
        string? dataset,
        int? ef,
        [FromQuery(Name = "score_threshold")] float? scoreThreshold,
        int? offset,
        string? filter)
    {
        var input = new SearchInput(dataset, k, ef, scoreThreshold, offset)
        {
            Text = query ?? q,
            TextField = query is null && q is not null ? "q" : "query",
            FilterText = filter,
        };
        return RunAsync(http, grains, instruments, options.Value, input);
    }

    private static async Task<IResult> SearchAsync(
        HttpContext http, IGrainFactory grains, SearchInstruments instruments, IOptions<ApiOptions> options, IOptions<JsonOptions> json)
    {
        SearchInput input;
        if (http.Request.HasJsonContentType())
        {
            var (read, problem) = await RequestBodies.ReadJsonAsync<SearchRequest>(http.Request, json.Value.SerializerOptions);
            if (read is not { } request)
            {
                return problem!;
            }

            input = new SearchInput(request.Dataset, request.K, request.Ef, request.ScoreThreshold, request.Offset)
            {
                Vector = request.Vector,
                Text = request.Text,
                ItemId = request.ItemId,
                Filter = request.Filter,
            };
        }
        else if (http.Request.HasFormContentType)
        {
            var (form, problem) = await SearchInput.FromFormAsync(http.Request, options.Value);
            if (problem is not null)
            {
                return problem;
            }

            input = form!;
        }
        else
        {
            return BodyProblems.UnsupportedMediaType("Send the search as application/json, or as multipart/form-data with the image in the 'image' field.");
        }

        return await RunAsync(http, grains, instruments, options.Value, input);
    }

    private static async Task<IResult> RunAsync(HttpContext http, IGrainFactory grains, SearchInstruments instruments, ApiOptions options, SearchInput input)
    {
        var started = Stopwatch.GetTimestamp();
        var (query, errors) = input.Read(options);
        if (query is null)
        {
            return errors.ToProblem();
        }

        var (dataset, missing) = await DatasetOrOnlyAsync(input.Dataset, grains);
        if (missing is not null)
        {
            return missing;
        }

        var result = await grains.GetGrain<IDatasetIndexGrain>(dataset!).SearchAsync(query).WaitAsync(http.RequestAborted);
        instruments.Record(dataset!, query.Kind, result.Outcome, Stopwatch.GetElapsedTime(started));
        return result.Outcome switch
        {
            SearchOutcome.Ok => TypedResults.Ok(new SearchResponse(
                dataset!,
                [.. result.Hits.Select(h => ItemView.Of(dataset!, h.Id, h.Score, h.Item))],
                result.Hits.Length == query.K && query.Offset + (2 * query.K) <= MaxDepth ? query.Offset + query.K : null)),
            SearchOutcome.NotFound => DatasetEndpoints.NotFound(dataset!),
            SearchOutcome.ItemNotFound => TypedResults.Problem(title: "Item not found.", detail: result.Message, statusCode: StatusCodes.Status404NotFound),
            SearchOutcome.NotReady => TypedResults.Problem(
                title: "The index is not ready yet.", detail: result.Message, statusCode: StatusCodes.Status409Conflict),
            _ => FieldErrors.Single(result.Field == "text" ? input.TextField : result.Field ?? "vector", result.Message ?? "Invalid query."),
        };
    }

    /// <summary>The named dataset, or the only one there is (the original served a single index and named none).</summary>
    internal static async Task<(string? Dataset, IResult? Problem)> DatasetOrOnlyAsync(string? dataset, IGrainFactory grains)
    {
        if (dataset is not null)
        {
            return (dataset, null);
        }

        var names = await grains.GetGrain<IDatasetCatalogGrain>(0).ListAsync();
        return names.Length == 1
            ? (names[0], null)
            : (null, FieldErrors.Single("dataset", names.Length == 0
                ? "Required: no dataset has been built yet."
                : $"Required when more than one dataset exists ({string.Join(", ", names.Take(10))}{(names.Length > 10 ? ", …" : "")})."));
    }

    /// <summary>A search as the endpoints receive it, whatever its encoding; checked once, here.</summary>
    private sealed record SearchInput(string? Dataset, int? K, int? Ef, float? ScoreThreshold, int? Offset)
    {
        public float[]? Vector { get; init; }

        public string? Text { get; init; }

        /// <summary>The name the text came under: query or q (GET), text (POST).</summary>
        public string TextField { get; init; } = "text";

        public string? ItemId { get; init; }

        public byte[]? Image { get; init; }

        /// <summary>The filter as a JSON body gives it.</summary>
        public JsonElement? Filter { get; init; }

        /// <summary>The filter as a query string or form field gives it: JSON text.</summary>
        public string? FilterText { get; init; }

        /// <summary>The query, when every field is valid; else the errors, each naming its field.</summary>
        public (SearchQuery? Query, FieldErrors Errors) Read(ApiOptions options)
        {
            var errors = new FieldErrors();
            var filter = Filter is { ValueKind: not JsonValueKind.Null } body ? FilterReader.Read(body, "filter", errors)
                : FilterText is { } text ? FilterReader.Read(text, "filter", errors)
                : null;
            if (Dataset is not null && !DatasetNames.IsValid(Dataset))
            {
                errors.Add("dataset", DatasetNames.Invalid);
            }

            var given = (Vector is null ? 0 : 1) + (Text is null ? 0 : 1) + (ItemId is null ? 0 : 1) + (Image is null ? 0 : 1);
            if (given != 1)
            {
                errors.Add(given == 0 ? TextField : "body", "Give exactly one query: vector, text, item_id, or an image (multipart).");
            }

            if (Vector is { Length: 0 or > IndexDefaults.MaxDimension })
            {
                errors.Add("vector", $"Must have 1 to {IndexDefaults.MaxDimension} numbers.");
            }

            if (Text is not null && string.IsNullOrWhiteSpace(Text))
            {
                errors.Add(TextField, "Must not be empty.");
            }
            else if (Text?.Length > options.MaxTextLength)
            {
                errors.Add(TextField, $"At most {options.MaxTextLength} characters (this one has {Text.Length}).");
            }

            if (ItemId is { Length: 0 })
            {
                errors.Add("item_id", "Must not be empty.");
            }

            if (Image is { Length: 0 })
            {
                errors.Add(ImageField, "The uploaded file is empty.");
            }

            if (K is < 1 or > MaxK)
            {
                errors.Add("k", $"Must be between 1 and {MaxK}.");
            }

            if (Ef is < 1 or > MaxDepth)
            {
                errors.Add("ef", $"Must be between 1 and {MaxDepth}.");
            }

            if (Offset is < 0)
            {
                errors.Add("offset", "Must be at least 0.");
            }
            else if (Offset + (K ?? 10) > MaxDepth)
            {
                errors.Add("offset", $"offset + k must be at most {MaxDepth}: deeper pages are an export, not a search.");
            }

            if (ScoreThreshold is { } threshold && !float.IsFinite(threshold))
            {
                errors.Add("score_threshold", "Must be a finite number.");
            }

            return errors.IsEmpty
                ? (new SearchQuery(K ?? 10, Ef ?? 0, ScoreThreshold, Vector, Text, Image, ItemId, Offset: Offset ?? 0, Filter: filter), errors)
                : (null, errors);
        }

        /// <summary>The multipart form's fields; a number that does not parse is 422 naming it.</summary>
        public static async Task<(SearchInput? Input, IResult? Problem)> FromFormAsync(HttpRequest request, ApiOptions options)
        {
            var (read, problem) = await RequestBodies.ReadFormAsync(request, options);
            if (read is not { } form)
            {
                return (null, problem);
            }

            var errors = new FieldErrors();
            var input = new SearchInput(
                Field(form, "dataset"), Number<int>(form, "k", errors), Number<int>(form, "ef", errors), Number<float>(form, "score_threshold", errors), Number<int>(form, "offset", errors))
            {
                Text = Field(form, "text"),
                ItemId = Field(form, "item_id"),
                FilterText = Field(form, "filter"),
                Image = form.Files.GetFile(ImageField) is { } file ? await RequestBodies.ReadFileAsync(file, request.HttpContext.RequestAborted) : null,
            };
            if (form.Files.Count > 0 && form.Files.GetFile(ImageField) is null)
            {
                errors.Add(ImageField, $"The file must be sent in the '{ImageField}' field (got '{form.Files[0].Name}').");
            }

            return errors.IsEmpty ? (input, null) : (null, errors.ToProblem());
        }

        private static string? Field(IFormCollection form, string name) => form.TryGetValue(name, out var value) && value.Count > 0 ? value.ToString() : null;

        private static T? Number<T>(IFormCollection form, string name, FieldErrors errors) where T : struct, IParsable<T>
        {
            if (Field(form, name) is not { } text)
            {
                return null;
            }

            if (T.TryParse(text, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }

            errors.Add(name, "Must be a number.");
            return null;
        }
    }
}

using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using VisionSearch.Api.Access;
using VisionSearch.Api.Models;
using VisionSearch.Api.Problems;
using VisionSearch.Contracts;
using VisionSearch.Hnsw;

namespace VisionSearch.Api.Endpoints;

/// <summary>
/// Writes to <c>/datasets/{name}</c>: create an empty dataset, add or replace items, delete items. A batch is checked
/// item by item: a bad item gets its own outcome (the field and why) and the others are written.
/// </summary>
public static class DatasetWriteEndpoints
{
    /// <summary>The most items one write or delete takes.</summary>
    public const int MaxBatch = 1000;

    /// <summary>The longest item id.</summary>
    public const int MaxIdLength = 1024;

    /// <summary>The most metadata fields an item carries, the longest key and the longest string value.</summary>
    public const int MaxMetadataFields = 64, MaxMetadataKey = 256, MaxMetadataValue = 4096;

    internal static RouteGroupBuilder MapDatasetWrites(this RouteGroupBuilder group)
    {
        group.MapPut("/{name}", CreateAsync)
            .WithName("CreateDataset")
            .WithSummary("Create an empty dataset to write items to: of vectors (give dimension) or embedded by a model")
            .WithDescription("201 when created, 200 when the same dataset exists, 409 when one by that name differs.")
            .RequireAccess(ApiAccess.Write)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{name}/items", WriteAsync)
            .WithName("WriteItems")
            .WithSummary("Add or replace items (same id = replace): texts and images embedded with the dataset's model, or vectors")
            .WithDescription("Answers once the items are searchable, or with wait=false once they are durable (in Redis; searchable a moment later). " +
                "Each item's outcome is indexed, replaced or invalid (with the field and why); one bad item does not fail the batch. " +
                "Written items are kept in the dataset's journal and carried into every later build of it. " +
                "As JSON (`application/json`): `items`. As a form (`multipart/form-data`): image files in `images` fields, with optional `ids` " +
                "(one per image, in order; else each file's name) and `metadata` (one JSON object per image, in order); its items are numbered `images[i]`. " +
                "A request over `Api:MaxUploadBytes` is 413.")
            .Accepts<WriteItemsRequest>("application/json", "multipart/form-data")
            .RequireAccess(ApiAccess.Write)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        group.MapDelete("/{name}/items/{id}", DeleteOneAsync)
            .WithName("DeleteItem")
            .WithSummary("Delete an item; a later build of the dataset leaves it out too")
            .RequireAccess(ApiAccess.Write)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{name}/items/delete", DeleteManyAsync)
            .WithName("DeleteItems")
            .WithSummary("Delete items by id (each one's outcome is deleted or not_found), or every item a filter accepts (each deleted one listed)")
            .RequireAccess(ApiAccess.Write)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return group;
    }

    private static async Task<Results<Created<IndexStatus>, Ok<IndexStatus>, ProblemHttpResult>> CreateAsync(
        string name, CreateDatasetRequest? request, IGrainFactory grains)
    {
        request ??= new CreateDatasetRequest();
        if (!Names.Metric.TryParseRequested(request.Metric, out var metric))
        {
            return FieldErrors.Single("metric", Names.Metric.Unknown(request.Metric));
        }

        if (!Names.Quantization.TryParseRequested(request.Quantization, out var quantization))
        {
            return FieldErrors.Single("quantization", Names.Quantization.Unknown(request.Quantization));
        }

        var spec = new BuildSpec(
            SourceKinds.Api, "", null, metric, Model: request.Model, M: request.M ?? IndexDefaults.M, EfConstruction: request.EfConstruction ?? IndexDefaults.EfConstruction,
            Shards: request.Shards, Embedder: request.Embedder, Quantization: quantization);
        var result = await grains.GetGrain<IDatasetIndexGrain>(name).CreateAsync(spec, request.Dimension);
        return result.Outcome switch
        {
            BuildOutcome.Started => TypedResults.Created($"/datasets/{Uri.EscapeDataString(name)}", result.Status),
            BuildOutcome.Unchanged => TypedResults.Ok(result.Status),
            BuildOutcome.Conflict => TypedResults.Problem(title: "The dataset exists.", detail: result.Message, statusCode: StatusCodes.Status409Conflict),
            BuildOutcome.Refused => FieldErrors.Refused(result.Field ?? "model", result.Message ?? "Outside the shared folders."),
            _ => FieldErrors.Single(result.Field ?? "body", result.Message ?? "Invalid dataset."),
        };
    }

    /// <param name="name">The dataset.</param>
    /// <param name="http">The request: JSON items, or a multipart form of images.</param>
    /// <param name="wait">true (default): answer once the items are searchable; false: once they are durable.</param>
    /// <param name="grains">The Orleans client.</param>
    /// <param name="options">The API's limits.</param>
    /// <param name="json">The API's JSON settings.</param>
    private static async Task<Results<Ok<WriteItemsResponse>, ProblemHttpResult>> WriteAsync(
        string name, HttpContext http, bool? wait, IGrainFactory grains, IOptions<ApiOptions> options, IOptions<JsonOptions> json)
    {
        if (http.Request.HasJsonContentType())
        {
            var (request, problem) = await RequestBodies.ReadJsonAsync<WriteItemsRequest>(http.Request, json.Value.SerializerOptions);
            return request is null
                ? problem!
                : request.Items is { Length: > 0 and <= MaxBatch } items
                    ? await WriteInputsAsync(name, items, new ItemResult?[items.Length], "items", wait ?? true, grains, options.Value)
                    : FieldErrors.Single("items", $"Give 1 to {MaxBatch} items.");
        }

        if (!http.Request.HasFormContentType)
        {
            return BodyProblems.UnsupportedMediaType($"Send items as application/json, or images as multipart/form-data in '{ItemUpload.ImagesField}' fields.");
        }

        var (uploaded, results, formProblem) = await ItemUpload.ReadAsync(http.Request, options.Value, json.Value.SerializerOptions, MaxBatch);
        return uploaded is null ? formProblem! : await WriteInputsAsync(name, uploaded, results, ItemUpload.ImagesField, wait ?? true, grains, options.Value);
    }

    /// <summary>
    /// Writes the items that pass their checks; <paramref name="results"/> holds those already refused, and every item's
    /// field is named in the request's terms (<paramref name="list"/>[i]).
    /// </summary>
    private static async Task<Results<Ok<WriteItemsResponse>, ProblemHttpResult>> WriteInputsAsync(
        string name, ItemInput[] inputs, ItemResult?[] results, string list, bool wait, IGrainFactory grains, ApiOptions options)
    {
        var valid = new List<(int Index, ItemWrite Write)>();
        for (var i = 0; i < inputs.Length; i++)
        {
            if (results[i] is not null)
            {
                continue;
            }

            if (Check(inputs[i], $"{list}[{i}]", options) is { } problem)
            {
                results[i] = new ItemResult(inputs[i].Id ?? "", ItemOutcome.Invalid, problem.Field, problem.Message);
            }
            else
            {
                valid.Add((i, new ItemWrite(inputs[i].Id!, inputs[i].Text, inputs[i].Image, inputs[i].Vector, MetadataOf(inputs[i].Metadata))));
            }
        }

        if (valid.Count > 0)
        {
            var written = await grains.GetGrain<IDatasetIndexGrain>(name).WriteItemsAsync([.. valid.Select(v => v.Write)], wait);
            if (Refusal(name, written) is { } refusal)
            {
                return refusal;
            }

            for (var j = 0; j < valid.Count; j++)
            {
                // The grain numbers fields by its own batch: put them back in the request's terms.
                var result = written.Items[j];
                results[valid[j].Index] = result.Field is { } field && field.StartsWith("items[", StringComparison.Ordinal)
                    ? result with { Field = $"{list}[{valid[j].Index}]{field[(field.IndexOf(']', StringComparison.Ordinal) + 1)..]}" }
                    : result;
            }
        }

        return TypedResults.Ok(WriteItemsResponse.Of([.. results.Select(r => r!)]));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteOneAsync(string name, string id, bool? wait, IGrainFactory grains)
    {
        id = DatasetEndpoints.ItemId(id);
        var deleted = await grains.GetGrain<IDatasetIndexGrain>(name).DeleteItemsAsync([id], wait ?? true);
        return Refusal(name, deleted) is { } refusal
            ? refusal
            : deleted.Items[0].Outcome == ItemOutcome.Deleted
                ? TypedResults.NoContent()
                : TypedResults.Problem(title: "Item not found.", detail: $"Dataset '{name}' has no item '{id}'.", statusCode: StatusCodes.Status404NotFound);
    }

    private static async Task<Results<Ok<WriteItemsResponse>, ProblemHttpResult>> DeleteManyAsync(string name, DeleteItemsRequest request, bool? wait, IGrainFactory grains)
    {
        var errors = new FieldErrors();
        if (request.Filter is { ValueKind: not JsonValueKind.Null } given)
        {
            if (request.Ids is not null)
            {
                return FieldErrors.Single("body", "Give ids or a filter, not both.");
            }

            var filter = FilterReader.Read(given, "filter", errors);
            if (filter is null)
            {
                return errors.ToProblem();
            }

            var matched = await grains.GetGrain<IDatasetIndexGrain>(name).DeleteMatchingAsync(filter, wait ?? true);
            return Refusal(name, matched) is { } refused ? refused : TypedResults.Ok(WriteItemsResponse.Of(matched.Items));
        }

        if (request.Ids is not { Length: > 0 and <= MaxBatch } ids)
        {
            return FieldErrors.Single("ids", $"Give 1 to {MaxBatch} item ids, or a filter.");
        }

        for (var i = 0; i < ids.Length; i++)
        {
            if (string.IsNullOrEmpty(ids[i]) || ids[i].Length > MaxIdLength)
            {
                errors.Add($"ids[{i}]", $"An id has 1 to {MaxIdLength} characters.");
            }
        }

        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }

        var deleted = await grains.GetGrain<IDatasetIndexGrain>(name).DeleteItemsAsync(ids, wait ?? true);
        return Refusal(name, deleted) is { } refusal ? refusal : TypedResults.Ok(WriteItemsResponse.Of(deleted.Items));
    }

    private static ProblemHttpResult? Refusal(string name, WriteResult result) => result.Outcome switch
    {
        WriteOutcome.NotFound => TypedResults.Problem(title: "Dataset not found.", detail: result.Message, statusCode: StatusCodes.Status404NotFound),
        WriteOutcome.NotReady => TypedResults.Problem(title: "The dataset is not ready for writes.", detail: result.Message, statusCode: StatusCodes.Status409Conflict),
        WriteOutcome.InvalidFilter => FieldErrors.Single(result.Field ?? "filter", result.Message ?? "The filter does not fit the dataset."),
        _ => null,
    };

    /// <summary>What is wrong with an item as sent (the field and why), or null; what its dataset makes of it is the grain's to say.</summary>
    private static (string Field, string Message)? Check(ItemInput item, string path, ApiOptions options)
    {
        if (string.IsNullOrEmpty(item.Id) || item.Id.Length > MaxIdLength)
        {
            return ($"{path}.id", $"Required: 1 to {MaxIdLength} characters.");
        }

        if ((item.Text is null ? 0 : 1) + (item.Image is null ? 0 : 1) + (item.Vector is null ? 0 : 1) != 1)
        {
            return (path, "Give exactly one of text, image (base64) or vector.");
        }

        if (item.Text is { } text && (text.Length == 0 || text.Length > options.MaxTextLength))
        {
            return ($"{path}.text", $"A text has 1 to {options.MaxTextLength} characters.");
        }

        if (item.Image is { Length: 0 })
        {
            return ($"{path}.image", "The image is empty.");
        }

        if (item.Metadata is not { } metadata)
        {
            return null;
        }

        if (metadata.Count > MaxMetadataFields)
        {
            return ($"{path}.metadata", $"At most {MaxMetadataFields} fields.");
        }

        foreach (var (key, value) in metadata)
        {
            var field = $"{path}.metadata.{key}";
            if (key.Length is 0 or > MaxMetadataKey)
            {
                return ($"{path}.metadata", $"A key has 1 to {MaxMetadataKey} characters.");
            }

            if (value.ValueKind == JsonValueKind.Array)
            {
                if (value.GetArrayLength() > MaxMetadataFields)
                {
                    return (field, $"An array has at most {MaxMetadataFields} values.");
                }

                var i = 0;
                foreach (var element in value.EnumerateArray())
                {
                    if (ScalarProblem(element) is { } problem)
                    {
                        return ($"{field}[{i}]", problem);
                    }

                    i++;
                }
            }
            else if (value.ValueKind != JsonValueKind.Null && ScalarProblem(value) is { } problem)
            {
                return (field, problem + " An array of them, or null, is also a value.");
            }
        }

        return null;
    }

    private static string? ScalarProblem(JsonElement value) =>
        value.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False) ? "A value is a string, a number or a boolean."
        : value.ValueKind == JsonValueKind.String && value.GetString()!.Length > MaxMetadataValue ? $"A string value has at most {MaxMetadataValue} characters."
        : null;

    private static Dictionary<string, JsonElement>? MetadataOf(Dictionary<string, JsonElement>? metadata) =>
        metadata is not { Count: > 0 } ? null : metadata.ToDictionary(m => m.Key, m => m.Value.Clone(), StringComparer.Ordinal);
}

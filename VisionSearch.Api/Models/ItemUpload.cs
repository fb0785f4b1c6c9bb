using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using VisionSearch.Api.Endpoints;
using VisionSearch.Api.Problems;
using VisionSearch.Contracts;

namespace VisionSearch.Api.Models;

/// <summary>
/// Image files written as a multipart form: each file in an <c>images</c> field; optional <c>ids</c> fields, one per
/// image in order (else each image's id is its file name); optional <c>metadata</c> fields, one JSON object per image
/// in order. The items are written as the JSON form's items are, each numbered <c>images[i]</c> in the answer.
/// </summary>
internal static class ItemUpload
{
    public const string ImagesField = "images", IdsField = "ids", MetadataField = "metadata";

    /// <summary>
    /// The form's items, with a result already for each one that cannot be an item as sent (metadata that is not a
    /// JSON object); or a 413 or 422 for the form as a whole (too large; no images, too many, ids or metadata not one per
    /// image).
    /// </summary>
    public static async Task<(ItemInput[]? Items, ItemResult?[] Results, ProblemHttpResult? Problem)> ReadAsync(
        HttpRequest request, ApiOptions options, JsonSerializerOptions json, int maxItems)
    {
        var (read, problem) = await RequestBodies.ReadFormAsync(request, options);
        if (read is not { } form)
        {
            return (null, [], problem);
        }

        var images = form.Files.GetFiles(ImagesField);
        var errors = new FieldErrors();
        if (images.Count is 0 || images.Count > maxItems)
        {
            errors.Add(ImagesField, $"Send 1 to {maxItems} image files in '{ImagesField}' fields" +
                (form.Files.Count > images.Count ? $" (got files in '{string.Join("', '", form.Files.Select(f => f.Name).Distinct())}')." : "."));
        }

        var ids = form[IdsField];
        var metadata = form[MetadataField];
        foreach (var (name, values) in new[] { (IdsField, ids), (MetadataField, metadata) })
        {
            if (values.Count != 0 && values.Count != images.Count)
            {
                errors.Add(name, $"Give one '{name}' field per image, in the images' order ({values.Count} for {images.Count} images), or none.");
            }
        }

        if (!errors.IsEmpty)
        {
            return (null, [], errors.ToProblem());
        }

        var items = new ItemInput[images.Count];
        var results = new ItemResult?[images.Count];
        for (var i = 0; i < images.Count; i++)
        {
            var id = ids.Count > 0 ? ids[i] : images[i].FileName;
            items[i] = new ItemInput(id, Image: await RequestBodies.ReadFileAsync(images[i], request.HttpContext.RequestAborted));
            if (metadata.Count == 0 || string.IsNullOrWhiteSpace(metadata[i]))
            {
                continue;
            }

            try
            {
                items[i] = items[i] with { Metadata = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(metadata[i]!, json) };
            }
            catch (JsonException e)
            {
                results[i] = new ItemResult(id ?? "", ItemOutcome.Invalid, $"{MetadataField}[{i}]", $"Not a JSON object of fields: {e.Message}");
            }
        }

        return (items, results, null);
    }
}

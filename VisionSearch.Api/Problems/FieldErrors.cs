using Microsoft.AspNetCore.Http.HttpResults;

namespace VisionSearch.Api.Problems;

/// <summary>
/// Collects validation errors by JSON field name and turns them into the original's contract: a 422
/// ProblemDetails whose <c>errors</c> name each field.
/// </summary>
internal sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsEmpty => _errors.Count == 0;

    /// <summary>How many errors have been added.</summary>
    public int Count => _errors.Values.Sum(m => m.Count);

    public FieldErrors Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages))
        {
            _errors[field] = messages = [];
        }

        messages.Add(message);
        return this;
    }

    public ProblemHttpResult ToProblem() => Problem(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));

    public static ProblemHttpResult Single(string field, string message) => new FieldErrors().Add(field, message).ToProblem();

    public static ProblemHttpResult Problem(IDictionary<string, string[]> errors) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status422UnprocessableEntity,
            Title = "One or more fields are invalid.",
            Detail = string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")),
        });

    /// <summary>A 403 for a field that names a path outside the shared folders; <c>errors</c> names the field as a 422 would, so a form can show it beside the field.</summary>
    public static ProblemHttpResult Refused(string field, string message) =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = StatusCodes.Status403Forbidden,
            Title = "The path is outside the folders this server shares.",
            Detail = message,
        });
}

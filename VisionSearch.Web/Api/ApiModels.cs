using System.Text.Json;

namespace VisionSearch.Web.Api;

/// <summary>A hit or an item, as the API writes it (snake_case, read by <see cref="ApiClient"/>'s options).</summary>
public sealed record ItemView(
    string Id,
    float? Score,
    string Kind,
    string? Text,
    IReadOnlyDictionary<string, JsonElement>? Metadata,
    string? ImageUrl)
{
    public bool IsImage => Kind == "image";
}

/// <summary>Search results, best first.</summary>
public sealed record SearchResults(string Dataset, IReadOnlyList<ItemView> Results);

/// <summary>An item the build skipped, and why.</summary>
public sealed record Skip(string Id, string Reason);

/// <summary>The build spec as status shows it.</summary>
public sealed record Spec(string Source, string Location, string? Model, string? Embedder);

/// <summary>A dataset's status.</summary>
public sealed record DatasetStatus(
    string Dataset,
    string Status,
    Spec? Spec,
    long? ItemsTotal,
    long ItemsIndexed,
    long ItemsSkipped,
    long Count,
    double ItemsPerSecond,
    double? EtaSeconds,
    string? Error,
    string? Model,
    IReadOnlyList<Skip>? Skips)
{
    public bool IsBuilding => Status == "building";

    public bool IsReady => Status == "ready";

    /// <summary>How far the build is, 0 to 1, when its total is known.</summary>
    public double? Progress => ItemsTotal is > 0 and { } total ? Math.Clamp((double)(ItemsIndexed + ItemsSkipped) / total, 0, 1) : null;
}

/// <summary>An RFC 9457 problem as the API answers it: what went wrong, and which fields.</summary>
public sealed record Problem(int Status, string? Title, string? Detail, IReadOnlyDictionary<string, string[]>? Errors)
{
    /// <summary>The first message about <paramref name="field"/>, for showing beside it.</summary>
    public string? For(string field) => Errors is not null && Errors.TryGetValue(field, out var messages) ? messages.FirstOrDefault() : null;

    public string Message => string.Join(" ", new[] { Title, Detail }.Where(s => !string.IsNullOrWhiteSpace(s)));
}

/// <summary>What a call gave: a value, or the problem the API answered with.</summary>
public sealed record Answer<T>(T? Value, Problem? Problem)
{
    public bool Ok => Problem is null;
}

/// <summary>A build request, as the form fills it.</summary>
public sealed class BuildForm
{
    public string Dataset { get; set; } = "";

    public string Source { get; set; } = "folder";

    public string Location { get; set; } = "";

    public string? Column { get; set; }

    public string? Model { get; set; }

    public string? Embedder { get; set; }

    public string? Subset { get; set; }

    public string? Split { get; set; }

    public int? M { get; set; }

    public int? EfConstruction { get; set; }

    /// <summary>The request as the API takes it: a field left empty is not sent, so the server's default applies.</summary>
    public BuildForm Normalized() => new()
    {
        Dataset = Dataset.Trim(),
        Source = Source,
        Location = Location.Trim(),
        Column = Blank(Column),
        Model = Blank(Model),
        Embedder = Blank(Embedder),
        Subset = Blank(Subset),
        Split = Blank(Split),
        M = M,
        EfConstruction = EfConstruction,
    };

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace VisionSearch.Contracts;

/// <summary>The rule for dataset names: they become grain keys, Redis key parts and URL segments.</summary>
public static partial class DatasetNames
{
    /// <summary>A human-readable statement of the rule, for error messages.</summary>
    public const string Rule = "1 to 128 characters: letters, digits, '.', '_' or '-', starting with a letter or digit";

    /// <summary>The field error for a name that breaks <see cref="Rule"/>.</summary>
    public const string Invalid = $"Must be {Rule}.";

    /// <summary>Whether <paramref name="name"/> follows <see cref="Rule"/>.</summary>
    public static bool IsValid([NotNullWhen(true)] string? name) => name is not null && Pattern().IsMatch(name);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex Pattern();
}

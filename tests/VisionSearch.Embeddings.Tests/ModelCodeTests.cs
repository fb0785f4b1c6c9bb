using VisionSearch.Testing;

namespace VisionSearch.Embeddings.Tests;

/// <summary>
/// model/tests (pytest, against model/examples) run as part of <c>dotnet test</c>, so the endpoint's script and
/// this client are checked against the same examples by one command. Needs python3 with pytest and Pillow
/// (Debian: python3-pytest, python3-pil; .ci/run installs them).
/// </summary>
public sealed class ModelCodeTests
{
    private static readonly string[] Pythons = ["python3", "/usr/bin/python3"];

    [Fact]
    public async Task The_inference_script_passes_its_tests()
    {
        var python = FindPython();
        Assert.SkipWhen(python is null && Environment.GetEnvironmentVariable("CI") is null, "No python3 with pytest and Pillow (apt-get install python3-pytest python3-pil).");
        Assert.NotNull(python);

        var (exit, output) = await Command.RunAsync(python, ["-m", "pytest", "-q", "-p", "no:cacheprovider", TestFiles.Repository("model", "tests")]);

        Assert.True(exit == 0, output);
        Assert.Matches(@"\d+ passed", output);
    }

    /// <summary>The first python3 that imports pytest and PIL: the one on PATH, else Debian's (a pyenv shim may shadow it).</summary>
    private static string? FindPython() =>
        Pythons.FirstOrDefault(p => Command.RunAsync(p, ["-c", "import pytest, PIL"]).GetAwaiter().GetResult().Exit == 0);
}

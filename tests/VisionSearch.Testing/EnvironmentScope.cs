namespace VisionSearch.Testing;

/// <summary>
/// Process environment variables a test sets, put back as they were (or removed) when it is disposed: the test process,
/// and every test class that runs in it after this one, outlives the test.
/// </summary>
public sealed class EnvironmentScope : IDisposable
{
    private readonly Dictionary<string, string?> _saved = new(StringComparer.Ordinal);

    /// <summary>Sets <paramref name="name"/>, remembering the value it had before the scope first set it.</summary>
    public EnvironmentScope Set(string name, string? value)
    {
        _saved.TryAdd(name, Environment.GetEnvironmentVariable(name));
        Environment.SetEnvironmentVariable(name, value);
        return this;
    }

    public void Dispose()
    {
        foreach (var (name, value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        _saved.Clear();
    }
}

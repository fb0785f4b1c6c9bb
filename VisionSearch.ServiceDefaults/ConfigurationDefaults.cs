using Microsoft.Extensions.Configuration;

namespace VisionSearch.ServiceDefaults;

/// <summary>
/// Settings a service starts from unless something it reads (appsettings.json, the environment, the command line) sets
/// them. They live in code rather than in each project's appsettings.json so that the API, the silo and a silo that
/// serves the API (<c>Silo:ServeApi</c>, one process) share one copy, and so that one project's file never lands on the
/// other's.
/// </summary>
public static class ConfigurationDefaults
{
    /// <summary>
    /// Adds those of <paramref name="defaults"/> that no source sets yet, as a source of their own. It goes last rather than
    /// first: putting a source first rebuilds every provider, which loses what was set through the indexer. The cost: a key
    /// that a reloaded file gains while the service runs stays at its default until a restart.
    /// </summary>
    public static void AddDefaults(this IConfigurationManager configuration, IEnumerable<KeyValuePair<string, string?>> defaults) =>
        configuration.AddInMemoryCollection([.. defaults.Where(d => configuration[d.Key] is null)]);
}

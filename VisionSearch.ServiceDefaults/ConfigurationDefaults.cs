using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;

namespace VisionSearch.ServiceDefaults;

/// <summary>
/// Settings a service starts from, beneath everything it reads (appsettings.json, the environment, the command line). They
/// live in code rather than in each project's appsettings.json so that the API, the silo and a silo that serves the API
/// (<c>Silo:ServeApi</c>, one process) share one copy, and so that one project's file never lands on the other's.
/// </summary>
public static class ConfigurationDefaults
{
    /// <summary>Adds <paramref name="defaults"/> as the configuration's lowest-precedence source.</summary>
    public static void AddDefaults(this IConfigurationManager configuration, IEnumerable<KeyValuePair<string, string?>> defaults) =>
        configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = defaults });
}

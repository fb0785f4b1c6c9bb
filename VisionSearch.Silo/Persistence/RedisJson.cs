using System.Text.Json;
using System.Text.Json.Serialization;

namespace VisionSearch.Silo.Persistence;

/// <summary>
/// How every JSON value the silos keep in Redis is written (build and serving records, items, the write journal,
/// snapshot manifests and their metadata): camelCase, nulls left out. One definition, so a record written by one
/// store reads the same in another and a change of style is made once.
/// </summary>
internal static class RedisJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

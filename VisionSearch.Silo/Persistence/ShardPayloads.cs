using VisionSearch.Silo.Grains;

namespace VisionSearch.Silo.Persistence;

/// <summary>An item's payload (kind, metadata JSON) as the shard log and the shard snapshot write it: two strings, the second empty for none.</summary>
internal static class ShardPayloads
{
    public static void Write(BinaryWriter writer, ItemPayload payload)
    {
        writer.Write(payload.Kind);
        writer.Write(payload.Metadata ?? "");
    }

    public static ItemPayload Read(BinaryReader reader)
    {
        var kind = reader.ReadString();
        var metadata = reader.ReadString();
        return new ItemPayload(kind, metadata.Length == 0 ? null : metadata);
    }
}

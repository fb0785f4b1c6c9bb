namespace VisionSearch.Silo.Persistence;

/// <summary>
/// The header of the silo's own binary formats (a shard log record, a shard snapshot's id table): a magic that names
/// the format, then its version, as the HNSW snapshot has. A reader takes the versions it knows and refuses any other
/// with a message that says so, instead of misreading bytes a newer build wrote.
/// </summary>
internal sealed record FormatHeader(string Name, int Magic, int Version, int LegacyMagic)
{
    public void Write(BinaryWriter writer)
    {
        writer.Write(Magic);
        writer.Write(Version);
    }

    /// <summary>
    /// Reads the header and returns its version: 0 for <see cref="LegacyMagic"/>, the magic of the same layout as
    /// version 1 from before formats carried a version (so what older builds left in Redis still loads).
    /// </summary>
    /// <exception cref="InvalidDataException">Another format, or a version this build does not read.</exception>
    public int Read(BinaryReader reader)
    {
        var magic = reader.ReadInt32();
        if (magic == LegacyMagic)
        {
            return 0;
        }

        if (magic != Magic)
        {
            throw new InvalidDataException($"Not a VisionSearch {Name} (magic 0x{magic:X8}).");
        }

        var version = reader.ReadInt32();
        return version >= 1 && version <= Version
            ? version
            : throw new InvalidDataException($"{Name} format version {version} is not supported: this build reads 1 to {Version}. Was it written by a newer VisionSearch?");
    }
}

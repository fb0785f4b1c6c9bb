namespace VisionSearch.Silo.Persistence;

/// <summary>
/// Names a complete snapshot in Redis. Written only after every chunk is stored, so a reader that finds a
/// manifest always finds the whole snapshot it describes.
/// </summary>
/// <param name="Version">Increases by one with every snapshot of the owner.</param>
/// <param name="ChunkCount">How many chunk keys hold the bytes.</param>
/// <param name="Length">The total byte length.</param>
/// <param name="Checksum">XxHash64 of all bytes, in order.</param>
/// <param name="WrittenAt">When the snapshot was published.</param>
/// <param name="Metadata">The owner's description of what the bytes hold (JSON).</param>
/// <param name="StaleFrom">
/// The oldest version whose chunks may still be stored beside this snapshot's (the snapshot it replaced, and torn
/// writes since: a crash or an outage mid-write), until they are deleted; null once they are. A crash between
/// publishing and deleting leaves it set, so the next snapshot deletes them too.
/// </param>
public sealed record SnapshotManifest(long Version, int ChunkCount, long Length, ulong Checksum, DateTimeOffset WrittenAt, string Metadata, long? StaleFrom = null);

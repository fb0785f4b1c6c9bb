using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace VisionSearch.Cloud;

/// <summary>
/// <c>model.tar.gz</c> as the Hugging Face container wants it: the model files at the root, the inference
/// code under <c>code/</c>. Entries are sorted and carry fixed times and owners, so the same files always
/// pack to the same bytes and the same SHA-256: that hash names the upload and the SageMaker resources,
/// which is what makes a second deploy of the same model change nothing.
/// </summary>
internal static class ModelArchive
{
    private static readonly DateTimeOffset Epoch = new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Packs <paramref name="modelFolder"/> and <paramref name="codeFolder"/> into <paramref name="output"/>; returns the archive's SHA-256 (hex).</summary>
    public static async Task<string> PackAsync(string modelFolder, string codeFolder, string output, CancellationToken cancellationToken = default)
    {
        var entries = Files(modelFolder, "")
            .Where(f => !f.Name.StartsWith("code/", StringComparison.Ordinal))
            .Concat(Files(codeFolder, "code/"))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToList();
        if (!entries.Any(e => e.Name == "code/inference.py"))
        {
            throw new FileNotFoundException($"No inference.py in '{codeFolder}'.");
        }

        await using (var file = File.Create(output))
        await using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        await using (var tar = new TarWriter(gzip, TarEntryFormat.Ustar, leaveOpen: false))
        {
            foreach (var (name, path) in entries)
            {
                var entry = new UstarTarEntry(TarEntryType.RegularFile, name)
                {
                    ModificationTime = Epoch,
                    Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                    Uid = 0,
                    Gid = 0,
                };
                await using var content = File.OpenRead(path);
                entry.DataStream = content;
                await tar.WriteEntryAsync(entry, cancellationToken);
            }
        }

        await using var packed = File.OpenRead(output);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(packed, cancellationToken));
    }

    private static IEnumerable<(string Name, string Path)> Files(string folder, string prefix) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(p => !Path.GetFileName(p).StartsWith('.') && !p.Contains("__pycache__", StringComparison.Ordinal))
            .Select(p => (prefix + Path.GetRelativePath(folder, p).Replace('\\', '/'), p));
}

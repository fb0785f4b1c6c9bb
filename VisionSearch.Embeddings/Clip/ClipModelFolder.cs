using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;
using VisionSearch.HuggingFace;

namespace VisionSearch.Embeddings.Clip;

/// <summary>The files of a CLIP model in the Hugging Face / Xenova layout.</summary>
public sealed record ClipModelFolder(string Path)
{
    /// <summary>Every file the embedder reads, relative to the folder.</summary>
    public static IReadOnlyList<string> RequiredFiles { get; } =
        ["tokenizer.json", "preprocessor_config.json", "onnx/text_model.onnx", "onnx/vision_model.onnx"];

    /// <summary>
    /// The version of what this code does to inputs before the model (ClipTokenizer, ClipImageProcessor, PillowBicubic):
    /// raise it when they change what they produce, so the embedding cache forgets vectors made the old way.
    /// </summary>
    public const int PreprocessingVersion = 1;

    public string TextModel => System.IO.Path.Combine(Path, "onnx", "text_model.onnx");

    public string VisionModel => System.IO.Path.Combine(Path, "onnx", "vision_model.onnx");

    /// <summary>
    /// How the folder's files are opened for reading; null opens them by path. A silo loading a folder that a request
    /// names passes one that refuses a file which, once opened, lies outside the shared folders: the folder was
    /// checked before, but a file in it, or the folder itself, can be swapped for a link out before the load.
    /// </summary>
    public Func<string, SafeFileHandle>? OpenFile { get; init; }

    /// <summary>A stream over <paramref name="path"/>, a file of this folder, opened through <see cref="OpenFile"/>.</summary>
    internal FileStream OpenRead(string path) => OpenFile is null ? File.OpenRead(path) : new FileStream(OpenFile(path), FileAccess.Read);

    /// <summary>The bytes of <paramref name="path"/>, a file of this folder, read through <see cref="OpenFile"/>.</summary>
    internal byte[] ReadAllBytes(string path)
    {
        using var stream = OpenRead(path);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>
    /// Hands <paramref name="load"/> a path to <paramref name="path"/> for a reader that only takes paths (ONNX Runtime):
    /// with <see cref="OpenFile"/>, the file is opened and checked first, and on Linux the path given is the open
    /// file's own (<c>/proc/self/fd/N</c>), so what is loaded is what was checked.
    /// </summary>
    internal T Load<T>(string path, Func<string, T> load)
    {
        if (OpenFile is null)
        {
            return load(path);
        }

        using var handle = OpenFile(path);
        return load(OperatingSystem.IsLinux() ? $"/proc/self/fd/{handle.DangerousGetHandle()}" : path);
    }

    /// <summary>
    /// <see cref="ClipOptions.Model"/> as a folder: an existing directory is used as it is; anything else
    /// is a Hub repo id, downloaded (or found in the cache) at <see cref="ClipOptions.Revision"/>.
    /// </summary>
    /// <exception cref="HubException">The model is neither a folder nor obtainable from the Hub; the message says what to download.</exception>
    public static async Task<ClipModelFolder> LocateAsync(
        ClipOptions options, HubClient hub, IProgress<HubDownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(hub);
        if (Directory.Exists(options.Model))
        {
            return new ClipModelFolder(System.IO.Path.GetFullPath(options.Model));
        }

        var parts = options.Model.Split('/');
        if (parts.Length != 2 || parts.Any(p => p.Length == 0 || p.StartsWith('.')))
        {
            throw new HubException($"'{options.Model}' is neither an existing folder nor a Hub repository id such as Xenova/clip-vit-base-patch32.");
        }

        return new ClipModelFolder(await hub.DownloadAsync(new HubRepository(options.Model), options.Revision, RequiredFiles, progress, cancellationToken));
    }

    /// <summary>
    /// What makes this folder's vectors what they are, for the embedding cache: SHA-256 over every required file's name
    /// and bytes (both towers, the tokenizer, the preprocessor settings) and <see cref="PreprocessingVersion"/>. Copies
    /// of one model share it wherever they lie; any changed byte is another model. Reads the whole model once (about
    /// 600 MB for ViT-B/32, a second or so).
    /// </summary>
    public async Task<string> IdentityAsync(CancellationToken cancellationToken = default)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        foreach (var file in RequiredFiles)
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{file}\n"));
            await using var stream = OpenRead(System.IO.Path.Combine(Path, file));
            hash.AppendData(BitConverter.GetBytes(stream.Length));
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }
        }

        return $"clip-onnx/{Convert.ToHexStringLower(hash.GetHashAndReset())}/preprocessing-{PreprocessingVersion}";
    }
}

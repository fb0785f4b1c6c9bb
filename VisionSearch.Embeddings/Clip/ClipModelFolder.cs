using System.Security.Cryptography;
using System.Text;
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
            await using var stream = File.OpenRead(System.IO.Path.Combine(Path, file));
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

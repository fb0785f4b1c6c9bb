using VisionSearch.Embeddings.Clip;
using VisionSearch.HuggingFace;
using VisionSearch.Testing;

namespace VisionSearch.Embeddings.Tests;

/// <summary>Where the CLIP embedder finds its model: a Hub repository downloaded into the cache, or a local folder.</summary>
public sealed class ClipModelFolderTests : IAsyncLifetime
{
    private const string RepoId = "Xenova/clip-vit-base-patch32";

    private readonly TempDirectory _cache = new();
    private HubStandIn _hub = null!;

    public async ValueTask InitializeAsync() => _hub = await HubStandIn.StartAsync(RepoId, ClipGoldens.Folder);

    public async ValueTask DisposeAsync()
    {
        await _hub.DisposeAsync();
        _cache.Dispose();
    }

    [Fact]
    public async Task A_located_model_embeds_like_the_local_folder()
    {
        var folder = await ClipModelFolder.LocateAsync(new ClipOptions { Model = RepoId }, _hub.Client(_cache.Path));
        using var embedder = ClipEmbedder.Open(folder, new ClipOptions());

        var golden = ClipGoldens.Text("cat_photo");
        var vector = (await embedder.EmbedTextsAsync(["a photo of a cat"]))[0];
        Assert.Equal(ClipGoldens.Floats(golden.GetProperty("text_embeds_normalized")), vector, (a, b) => Math.Abs(a - b) < 2e-6);

        var local = await ClipModelFolder.LocateAsync(new ClipOptions { Model = ClipGoldens.Folder }, _hub.Client(_cache.Path));
        Assert.Equal(Path.GetFullPath(ClipGoldens.Folder), local.Path);
        await Assert.ThrowsAsync<HubException>(() => ClipModelFolder.LocateAsync(new ClipOptions { Model = "./no/such/folder" }, _hub.Client(_cache.Path)));
    }

    [Fact]
    public async Task The_identity_follows_the_files_bytes_wherever_they_lie()
    {
        var original = await new ClipModelFolder(ClipGoldens.Folder).IdentityAsync();
        var downloaded = await ClipModelFolder.LocateAsync(new ClipOptions { Model = RepoId }, _hub.Client(_cache.Path));
        Assert.Equal(original, await downloaded.IdentityAsync()); // the same files from the Hub's cache
        Assert.Matches("^clip-onnx/[0-9a-f]{64}/preprocessing-1$", original);

        foreach (var file in ClipModelFolder.RequiredFiles)
        {
            var copy = CopyModel($"copy-of-{Path.GetFileName(file)}-model");
            var bytes = await File.ReadAllBytesAsync(Path.Combine(copy, file));
            bytes[^1] ^= 1; // one bit of one file
            await File.WriteAllBytesAsync(Path.Combine(copy, file), bytes);
            Assert.NotEqual(original, await new ClipModelFolder(copy).IdentityAsync());
        }
    }

    [Fact]
    public async Task A_folder_with_an_opener_reads_every_file_through_it_and_loads_the_files_it_opened()
    {
        var copy = CopyModel("opened-model");
        var original = await new ClipModelFolder(copy).IdentityAsync();
        var opened = new List<string>();
        var folder = new ClipModelFolder(copy)
        {
            OpenFile = path =>
            {
                var handle = File.OpenHandle(path);
                opened.Add(Path.GetRelativePath(copy, path));

                // The file at the path is replaced once opened: what is read and loaded must be what was opened.
                File.Move(path, path + ".opened", overwrite: true);
                File.WriteAllText(path, "not what was opened");
                return handle;
            },
        };

        using (var embedder = ClipEmbedder.Open(folder, new ClipOptions()))
        {
            var golden = ClipGoldens.Text("cat_photo");
            Assert.Equal(ClipGoldens.Floats(golden.GetProperty("text_embeds_normalized")), (await embedder.EmbedTextsAsync(["a photo of a cat"]))[0], (a, b) => Math.Abs(a - b) < 2e-6);
            var image = ClipGoldens.Images.First();
            Assert.Equal(ClipGoldens.Floats(image.GetProperty("image_embeds_normalized")), (await embedder.EmbedImagesAsync([ClipGoldens.ImageBytes(image)]))[0], (a, b) => Math.Abs(a - b) < 2e-6);
        }

        Assert.Equal(["tokenizer.json", "preprocessor_config.json", Path.Combine("onnx", "text_model.onnx"), Path.Combine("onnx", "vision_model.onnx")], opened);

        // The identity hashes what the opener gives too: the replaced files are put back as they were opened.
        foreach (var file in opened)
        {
            File.Move(Path.Combine(copy, file) + ".opened", Path.Combine(copy, file), overwrite: true);
        }

        opened.Clear();
        Assert.Equal(original, await folder.IdentityAsync());
        Assert.Equal(ClipModelFolder.RequiredFiles, opened);

        var refusal = new UnauthorizedAccessException("refused by the opener");
        Assert.Same(refusal, Assert.Throws<UnauthorizedAccessException>(() => ClipEmbedder.Open(folder with { OpenFile = _ => throw refusal }, new ClipOptions())));
    }

    /// <summary>A copy of the fixture model's required files in a new folder named <paramref name="name"/>.</summary>
    private string CopyModel(string name)
    {
        var copy = _cache.File(name);
        foreach (var required in ClipModelFolder.RequiredFiles)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(copy, required))!);
            File.Copy(Path.Combine(ClipGoldens.Folder, required), Path.Combine(copy, required));
        }

        return copy;
    }
}

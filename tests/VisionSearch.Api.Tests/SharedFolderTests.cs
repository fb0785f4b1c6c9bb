using System.Net;
using VisionSearch.Testing;
using static VisionSearch.Api.Tests.ApiJson;

namespace VisionSearch.Api.Tests;

/// <summary>A system whose silo shares one folder, <c>shared/</c> (and the fixtures, for the model), beside a private one the API must never read.</summary>
public sealed class SharedFolderCluster : ApiCluster
{
    public string Shared => Data.File("shared");

    public string Private => Data.File("private");

    protected override Task<Dictionary<string, string?>> MoreSettingsAsync()
    {
        Directory.CreateDirectory(Shared);
        Directory.CreateDirectory(Private);
        return Task.FromResult(new Dictionary<string, string?> { ["Datasets:Roots:0"] = Shared, ["Datasets:Roots:1"] = TestFiles.Fixture() });
    }
}

/// <summary>
/// Every local source kind, and a model folder, is refused with 403 naming the field when its path leaves the
/// shared folder, however it leaves: nothing is created and nothing of the file comes back. Item images are held
/// to the same rule when they are read again later.
/// </summary>
public sealed class SharedFolderTests(SharedFolderCluster cluster) : IClassFixture<SharedFolderCluster>
{
    /// <summary>Each source kind with the file (or folder) it reads, written by <see cref="Write"/>.</summary>
    public static TheoryData<string, string> Kinds() => new()
    {
        { "vectors", "v.fvecs" },
        { "folder", "photos" },
        { "parquet", "t.parquet" },
        { "text", "lines.txt" },
        { "text", "table.csv" },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Every_way_out_of_the_shared_folder_is_refused_for_every_source_kind(string source, string name)
    {
        await Write(cluster.Private, name);
        var sibling = Directory.CreateDirectory(cluster.Shared + "-also").FullName; // starts like the shared folder's path, is not in it
        await Write(sibling, name);
        var link = Path.Combine(cluster.Shared, $"link-{source}-{name}");
        if (!Path.Exists(link))
        {
            (Path.HasExtension(name) ? (Action)(() => File.CreateSymbolicLink(link, Path.Combine(cluster.Private, name))) : () => Directory.CreateSymbolicLink(link, Path.Combine(cluster.Private, name)))();
        }

        var ways = new Dictionary<string, string>
        {
            ["outside"] = Path.Combine(cluster.Private, name),
            ["dot-dot"] = $"{cluster.Shared}/../private/{name}",
            ["symlink"] = link,
            ["another root"] = Path.Combine(sibling, name),
            ["system file"] = "/etc/passwd",
        };
        foreach (var (way, location) in ways)
        {
            var dataset = $"leak-{source}-{Path.GetExtension(name).TrimStart('.')}-{way.Replace(' ', '-')}";
            var response = await cluster.Client.PostJsonAsync("/index/build", new { dataset, source, location });

            var errors = await AssertProblemAsync(response, 403);
            Assert.Equal(["location"], errors.AsObject().Select(e => e.Key));
            var message = (string)errors["location"]![0]!;
            Assert.Contains($"Shared folders (Datasets:Roots): {cluster.Shared}", message, StringComparison.Ordinal);
            Assert.DoesNotContain("root:x:0", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, (await cluster.Client.GetAsync($"/index/status?dataset={dataset}")).StatusCode);
        }

        // The same kind of source inside the shared folder builds.
        await Write(cluster.Shared, name);
        var ok = $"ok-{source}-{Path.GetExtension(name).TrimStart('.')}";
        Assert.Equal(HttpStatusCode.Accepted, (await cluster.Client.PostJsonAsync("/index/build", new
        {
            dataset = ok, source, location = Path.Combine(cluster.Shared, name), model = source is "vectors" ? null : TestFiles.Fixture("clip-tiny"),
        })).StatusCode);
    }

    [Fact]
    public async Task A_model_folder_a_request_names_outside_the_shared_folder_is_refused()
    {
        await Write(cluster.Shared, "photos");
        var privateModel = Path.Combine(cluster.Private, "model");
        CopyFolder(TestFiles.Fixture("clip-tiny"), privateModel);

        var errors = await AssertProblemAsync(
            await cluster.Client.PostJsonAsync("/index/build", new { dataset = "model-leak", source = "folder", location = Path.Combine(cluster.Shared, "photos"), model = privateModel }),
            403);

        Assert.Equal(["model"], errors.AsObject().Select(e => e.Key));
        Assert.Equal(HttpStatusCode.NotFound, (await cluster.Client.GetAsync("/index/status?dataset=model-leak")).StatusCode);

        // A model folder inside the shared folder whose model files lead out through a link.
        var linked = Path.Combine(cluster.Shared, "linked-model");
        CopyFolder(TestFiles.Fixture("clip-tiny"), linked);
        Directory.Delete(Path.Combine(linked, "onnx"), recursive: true);
        Directory.CreateSymbolicLink(Path.Combine(linked, "onnx"), Path.Combine(privateModel, "onnx"));
        var linkedErrors = await AssertProblemAsync(
            await cluster.Client.PostJsonAsync("/index/build", new { dataset = "model-link-leak", source = "folder", location = Path.Combine(cluster.Shared, "photos"), model = linked }),
            403);
        Assert.Equal(["model"], linkedErrors.AsObject().Select(e => e.Key));
        Assert.Contains("text_model.onnx' leads to", (string)linkedErrors["model"]![0]!, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await cluster.Client.GetAsync("/index/status?dataset=model-link-leak")).StatusCode);
    }

    [Fact]
    public async Task An_item_image_is_read_again_only_while_its_source_stays_in_the_shared_folder()
    {
        var photos = Path.Combine(cluster.Shared, "album");
        await Write(cluster.Shared, "album");
        var secret = Path.Combine(cluster.Private, "secret.png");
        File.Copy(TestFiles.Fixture("clip-tiny", "images", "square_224x224.png"), secret, overwrite: true);
        Assert.Equal(HttpStatusCode.Accepted, (await cluster.Client.PostJsonAsync("/index/build", new
        {
            dataset = "album", source = "folder", location = photos, model = TestFiles.Fixture("clip-tiny"),
        })).StatusCode);
        await cluster.Client.WaitUntilReadyAsync("album");
        Assert.Equal(HttpStatusCode.OK, (await cluster.Client.GetAsync("/datasets/album/items/a.png/image")).StatusCode);

        // A file of the built folder swapped for a link out: the link is not followed.
        File.Delete(Path.Combine(photos, "a.png"));
        File.CreateSymbolicLink(Path.Combine(photos, "a.png"), secret);
        var swapped = await cluster.Client.GetAsync("/datasets/album/items/a.png/image");
        await AssertProblemAsync(swapped, 404);
        Assert.Contains("outside the shared folders: not read", await swapped.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The built folder itself swapped for a link out: the whole source is refused.
        Directory.Move(photos, photos + "-moved");
        Directory.CreateSymbolicLink(photos, cluster.Private);
        var refused = await cluster.Client.GetAsync("/datasets/album/items/b.png/image");
        await AssertProblemAsync(refused, 403);
        Assert.Contains("through a symbolic link", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>Writes a small valid source named <paramref name="name"/> into <paramref name="folder"/> (its kind by its name).</summary>
    private static async Task Write(string folder, string name)
    {
        var path = Path.Combine(folder, name);
        if (Path.Exists(path))
        {
            return;
        }

        switch (Path.GetExtension(name))
        {
            case ".fvecs":
                TestVectors.WriteFvecs(path, TestVectors.Clustered(20, 8, seed: 3));
                break;
            case ".parquet":
                await SyntheticParquet.WriteTextsAsync(path, ["root:x:0:0 one", "root:x:0:0 two"]);
                break;
            case ".txt":
                await File.WriteAllLinesAsync(path, ["root:x:0:0:root:/root:/bin/bash", "daemon:x:1:1"]);
                break;
            case ".csv":
                await File.WriteAllTextAsync(path, "id,text\n1,root:x:0:0\n");
                break;
            default:
                Directory.CreateDirectory(path);
                File.Copy(TestFiles.Fixture("clip-tiny", "images", "square_224x224.png"), Path.Combine(path, "a.png"));
                File.Copy(TestFiles.Fixture("clip-tiny", "images", "landscape_321x240.jpg"), Path.Combine(path, "b.png"));
                break;
        }
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }
}

using VisionSearch.Datasets.Access;
using VisionSearch.Datasets.Folders;
using VisionSearch.Datasets.Text;
using VisionSearch.Datasets.Vectors;
using VisionSearch.Testing;
using static VisionSearch.Datasets.Tests.DatasetReading;

namespace VisionSearch.Datasets.Tests;

/// <summary>The folders an operator shares: what lies in them is read, nothing else is, however the path is spelled.</summary>
public sealed class SharedFoldersTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _shared;
    private readonly string _other;
    private readonly string _outside;

    public SharedFoldersTests()
    {
        _shared = Directory.CreateDirectory(_dir.File("shared")).FullName;
        _other = Directory.CreateDirectory(_dir.File("other-root")).FullName;
        _outside = Directory.CreateDirectory(_dir.File("private")).FullName;
        File.WriteAllText(Path.Combine(_outside, "secret.txt"), "root:x:0:0");
        File.WriteAllText(Path.Combine(_shared, "ok.txt"), "hello");
        File.WriteAllText(Path.Combine(_other, "also.txt"), "hello");
    }

    public void Dispose() => _dir.Dispose();

    private SharedFolders Folders => new([_shared, _other]);

    [Fact]
    public void A_path_in_a_shared_folder_resolves_to_itself()
    {
        Assert.Equal(Path.Combine(_shared, "ok.txt"), Folders.Resolve(Path.Combine(_shared, "ok.txt")));
        Assert.Equal(Path.Combine(_other, "also.txt"), Folders.Resolve(Path.Combine(_other, "also.txt")));
        Assert.Equal(_shared, Folders.Resolve(_shared));
    }

    [Fact]
    public void A_path_outside_is_refused_naming_the_shared_folders_and_how_to_add_one()
    {
        var error = Assert.Throws<DatasetException>(() => Folders.Resolve("/etc/passwd"));

        Assert.True(error.Refused);
        Assert.Equal("location", error.Field);
        Assert.Contains("'/etc/passwd' is outside the folders this server shares", error.Message, StringComparison.Ordinal);
        Assert.Contains(_shared, error.Message, StringComparison.Ordinal);
        Assert.Contains("add its folder to Datasets:Roots", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sibling_whose_name_starts_like_a_shared_folder_is_outside()
    {
        var sibling = Directory.CreateDirectory(_shared + "-evil").FullName;
        File.WriteAllText(Path.Combine(sibling, "x.txt"), "x");
        Assert.True(Assert.Throws<DatasetException>(() => Folders.Resolve(Path.Combine(sibling, "x.txt"))).Refused);
    }

    [Theory]
    [InlineData("../private/secret.txt")]
    [InlineData("sub/../../private/secret.txt")]
    [InlineData("./../private/secret.txt")]
    public void A_dot_dot_escape_is_refused_before_anything_is_looked_at(string relative)
    {
        var error = Assert.Throws<DatasetException>(() => Folders.Resolve(_shared + "/" + relative));
        Assert.True(error.Refused);
        Assert.Contains("'..' segment", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_symlink_that_leads_out_is_refused_at_the_end_or_in_the_middle_of_a_path()
    {
        File.CreateSymbolicLink(Path.Combine(_shared, "link.txt"), Path.Combine(_outside, "secret.txt"));
        Directory.CreateSymbolicLink(Path.Combine(_shared, "door"), _outside);

        var end = Assert.Throws<DatasetException>(() => Folders.Resolve(Path.Combine(_shared, "link.txt")));
        var middle = Assert.Throws<DatasetException>(() => Folders.Resolve(Path.Combine(_shared, "door", "secret.txt")));

        Assert.All([end, middle], e => Assert.True(e.Refused));
        Assert.Contains("through a symbolic link", middle.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_outside, "secret.txt"), middle.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_symlink_between_shared_folders_is_followed_to_its_real_path()
    {
        Directory.CreateSymbolicLink(Path.Combine(_shared, "to-other"), _other);
        Assert.Equal(Path.Combine(_other, "also.txt"), Folders.Resolve(Path.Combine(_shared, "to-other", "also.txt")));
    }

    [Fact]
    public void A_symlink_loop_is_refused_not_followed_forever()
    {
        Directory.CreateSymbolicLink(Path.Combine(_shared, "a"), Path.Combine(_shared, "b"));
        Directory.CreateSymbolicLink(Path.Combine(_shared, "b"), Path.Combine(_shared, "a"));
        Assert.Contains("symbolic links", Assert.Throws<DatasetException>(() => Folders.Resolve(Path.Combine(_shared, "a", "x.txt"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void With_no_shared_folder_every_path_is_refused_and_the_message_says_how_to_share_one()
    {
        var error = Assert.Throws<DatasetException>(() => new SharedFolders([]).Resolve(Path.Combine(_shared, "ok.txt")));
        Assert.Contains("No folder is shared for local sources: set Datasets:Roots", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_source_reports_links_that_lead_out_and_reads_those_that_stay_in()
    {
        var photos = Directory.CreateDirectory(Path.Combine(_shared, "photos")).FullName;
        await File.WriteAllBytesAsync(Path.Combine(photos, "a.png"), Png);
        await File.WriteAllBytesAsync(Path.Combine(_outside, "private.png"), Jpeg);
        Directory.CreateDirectory(Path.Combine(_outside, "album"));
        await File.WriteAllBytesAsync(Path.Combine(_outside, "album", "hidden.png"), Png);
        await File.WriteAllBytesAsync(Path.Combine(_other, "lent.png"), Jpeg);
        File.CreateSymbolicLink(Path.Combine(photos, "b.png"), Path.Combine(_outside, "private.png"));
        Directory.CreateSymbolicLink(Path.Combine(photos, "c"), Path.Combine(_outside, "album"));
        File.CreateSymbolicLink(Path.Combine(photos, "d.png"), Path.Combine(_other, "lent.png"));
        File.CreateSymbolicLink(Path.Combine(photos, "a.txt"), Path.Combine(_outside, "secret.txt")); // a caption that leads out
        await File.WriteAllTextAsync(Path.Combine(_other, "lent.txt"), "a lent caption");
        File.CreateSymbolicLink(Path.Combine(photos, "d.txt"), Path.Combine(_other, "lent.txt"));

        var entries = await AllAsync(new FolderSource(photos, shared: Folders));

        Assert.Equal(["a.png", "b.png", "c", "d.png"], entries.Select(e => e.Id));
        Assert.Equal(Png, entries[0].Item!.Bytes.ToArray());
        Assert.Contains("outside the shared folders: not read", entries[1].Failure, StringComparison.Ordinal);
        Assert.Contains("outside the shared folders: not read", entries[2].Failure, StringComparison.Ordinal);
        Assert.Equal(Jpeg, entries[3].Item!.Bytes.ToArray());
        Assert.Null(entries[0].Item!.Text);
        Assert.Equal("a lent caption", entries[3].Item!.Text);
    }

    [Fact]
    public async Task A_folder_source_without_shared_folders_keeps_to_its_own_folder()
    {
        var photos = Directory.CreateDirectory(Path.Combine(_shared, "photos")).FullName;
        await File.WriteAllBytesAsync(Path.Combine(photos, "a.png"), Png);
        File.CreateSymbolicLink(Path.Combine(photos, "b.png"), Path.Combine(_shared, "ok.txt"));
        Directory.CreateSymbolicLink(Path.Combine(photos, "loop"), photos);

        var entries = await AllAsync(new FolderSource(photos));

        Assert.Equal(["a.png", "b.png"], entries.Select(e => e.Id));
        Assert.NotNull(entries[0].Item);
        Assert.Contains("outside the shared folders", entries[1].Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_swapped_for_a_link_out_between_the_walk_and_its_read_is_not_read()
    {
        var photos = Directory.CreateDirectory(Path.Combine(_shared, "photos")).FullName;
        await File.WriteAllBytesAsync(Path.Combine(photos, "a.png"), Png);
        await File.WriteAllBytesAsync(Path.Combine(photos, "b.png"), Png);
        await File.WriteAllTextAsync(Path.Combine(photos, "b.txt"), "a caption");
        await File.WriteAllBytesAsync(Path.Combine(_outside, "private.png"), Jpeg);

        // The stamp check runs after the walk and before the reads: the swap lands in the gap a race would use.
        StampCheck swap = (run, _) =>
        {
            foreach (var (file, target) in new[] { ("a.png", "private.png"), ("b.txt", "secret.txt") })
            {
                File.Delete(Path.Combine(photos, file));
                File.CreateSymbolicLink(Path.Combine(photos, file), Path.Combine(_outside, target));
            }

            return ValueTask.FromResult(new bool[run.Count]);
        };
        var entries = await AllAsync(new FolderSource(photos, shared: Folders).SkippingKnown(swap));

        Assert.Equal(["a.png", "b.png"], entries.Select(e => e.Id));
        Assert.Null(entries[0].Item);
        Assert.Contains($"opened as '{Path.Combine(_outside, "private.png")}'", entries[0].Failure, StringComparison.Ordinal);
        Assert.Contains("outside the shared folders: not read", entries[0].Failure, StringComparison.Ordinal);
        Assert.Equal(Png, entries[1].Item!.Bytes.ToArray());
        Assert.Null(entries[1].Item!.Text); // its caption, swapped too, is not read
    }

    [Fact]
    public async Task A_file_source_swapped_for_a_link_out_after_its_check_is_refused_when_opened()
    {
        var texts = Directory.CreateDirectory(Path.Combine(_shared, "texts")).FullName;
        await File.WriteAllTextAsync(Path.Combine(texts, "lines.txt"), "one\ntwo\n");
        await File.WriteAllBytesAsync(Path.Combine(texts, "vectors.fvecs"), [2, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 0]);
        await File.WriteAllBytesAsync(Path.Combine(_outside, "vectors.fvecs"), [2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 128, 63]);
        var lines = Folders.Resolve(Path.Combine(texts, "lines.txt"));
        var vectors = Folders.Resolve(Path.Combine(texts, "vectors.fvecs"));
        Assert.Equal(["one", "two"], (await AllAsync(new TextLinesSource(lines, shared: Folders))).Select(e => e.Item!.Text));
        Assert.Equal(1, VectorFile.Open(vectors, Folders).Count);

        // The file itself, then the folder above it, swapped for a link out.
        File.Delete(lines);
        File.CreateSymbolicLink(lines, Path.Combine(_outside, "secret.txt"));
        var file = await Assert.ThrowsAsync<DatasetException>(() => AllAsync(new TextLinesSource(lines, shared: Folders)));
        Assert.True(file.Refused);
        Assert.Contains($"opened as '{Path.Combine(_outside, "secret.txt")}'", file.Message, StringComparison.Ordinal);

        Directory.Move(texts, texts + "-moved");
        Directory.CreateSymbolicLink(texts, _outside);
        var folder = Assert.Throws<DatasetException>(() => VectorFile.Open(vectors, Folders));
        Assert.True(folder.Refused);
        Assert.Contains($"opened as '{Path.Combine(_outside, "vectors.fvecs")}'", folder.Message, StringComparison.Ordinal);

        // Without shared folders a source reads wherever the path leads, as a library.
        Assert.Equal(1, VectorFile.Open(vectors).Count);
    }
}

using System.Runtime.InteropServices;
using VisionSearch.Datasets.Folders;
using VisionSearch.Testing;

namespace VisionSearch.Datasets.Tests;

public sealed class FolderSourceTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Nested_images_come_in_path_order_with_sidecar_captions_and_bad_files_reported()
    {
        Directory.CreateDirectory(_dir.File("b/deeper"));
        File.WriteAllBytes(_dir.File("b/deeper/z.png"), DatasetReading.Png);
        File.WriteAllBytes(_dir.File("a.jpg"), DatasetReading.Jpeg);
        File.WriteAllText(_dir.File("a.txt"), "  a landscape \n");
        File.WriteAllBytes(_dir.File("b/c.PNG"), DatasetReading.Png);
        File.WriteAllText(_dir.File("b/c.json"), """{"caption": "a square", "year": 2021, "tags": ["red", "flat"]}""");
        File.WriteAllBytes(_dir.File("b/empty.webp"), []);
        File.CreateSymbolicLink(_dir.File("b/gone.gif"), _dir.File("nowhere.gif"));
        File.WriteAllText(_dir.File("notes.md"), "not an image");

        var entries = await DatasetReading.AllAsync(new FolderSource(_dir.Path));

        Assert.Equal(["a.jpg", "b/c.PNG", "b/deeper/z.png", "b/empty.webp", "b/gone.gif"], entries.Select(e => e.Id));
        Assert.Equal("a landscape", entries[0].Item!.Text);
        Assert.Equal("a square", entries[1].Item!.Text);
        Assert.Equal( // the sidecar's other fields are metadata, with their JSON types
            ["tags:[\"red\", \"flat\"]", "year:2021"],
            entries[1].Item!.Metadata.Select(m => $"{m.Key}:{m.Value.GetRawText()}").Order(StringComparer.Ordinal));
        Assert.Null(entries[2].Item!.Text);
        Assert.Equal(DatasetReading.Png, entries[2].Item!.Bytes.ToArray());
        Assert.Equal("empty file (0 bytes)", entries[3].Failure);
        Assert.StartsWith("unreadable:", entries[4].Failure);

        var resumed = await DatasetReading.AllAsync(new FolderSource(_dir.Path), entries[1].Cursor);
        Assert.Equal(["b/deeper/z.png", "b/empty.webp", "b/gone.gif"], resumed.Select(e => e.Id));
    }

    [Fact]
    public async Task Captions_can_come_from_a_csv_beside_the_images()
    {
        File.WriteAllBytes(_dir.File("one.png"), DatasetReading.Png);
        File.WriteAllBytes(_dir.File("two.png"), DatasetReading.Png);
        var captions = Path.Combine(Path.GetTempPath(), $"captions-{Guid.NewGuid():N}.csv");
        File.WriteAllText(captions, "file,text\none.png,\"first, with a comma\"\ntwo.png,second\n");
        try
        {
            var entries = await DatasetReading.AllAsync(new FolderSource(_dir.Path, captions));
            Assert.Equal(["first, with a comma", "second"], entries.Select(e => e.Item!.Text));
        }
        finally
        {
            File.Delete(captions);
        }
    }

    [Fact]
    public async Task Ten_thousand_files_stream_without_holding_their_bytes()
    {
        var payload = new byte[4096];
        Random.Shared.NextBytes(payload);
        for (var i = 0; i < 10_000; i++)
        {
            File.WriteAllBytes(_dir.File($"img{i:D5}.png"), payload);
        }

        // Each item's bytes must be collectable once the next item is read: a weak reference to every
        // buffer, all dead after a collection, proves nothing (source, enumerator) keeps them.
        var buffers = new List<WeakReference>();
        var count = 0;
        await foreach (var entry in new FolderSource(_dir.Path).ReadAsync())
        {
            Assert.True(MemoryMarshal.TryGetArray(entry.Item!.Bytes, out var segment));
            buffers.Add(new WeakReference(segment.Array));
            count++;
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.Equal(10_000, count);
        Assert.InRange(buffers.Count(b => b.IsAlive), 0, 1); // the last may linger in a debug build's frame
    }
}

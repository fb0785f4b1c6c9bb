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
    public async Task A_file_whose_stamp_the_caller_knows_is_left_unread_and_a_sidecar_or_a_new_time_moves_its_stamp()
    {
        File.WriteAllBytes(_dir.File("a.jpg"), DatasetReading.Jpeg);
        File.WriteAllBytes(_dir.File("b.png"), DatasetReading.Png);
        var source = new FolderSource(_dir.Path);
        var stamps = (await DatasetReading.AllAsync(source)).ToDictionary(e => e.Id, e => e.Item!.Stamp!);
        var asked = new List<ItemStamp>();
        StampCheck known = (run, _) =>
        {
            asked.AddRange(run);
            return ValueTask.FromResult(run.Select(s => stamps.GetValueOrDefault(s.Id) == s.Stamp).ToArray());
        };

        // Other bytes of the same length under the same time: taken on the stamp's word, not read. A new sidecar moves
        // b.png's stamp, so b.png is read, with its caption.
        var time = File.GetLastWriteTimeUtc(_dir.File("a.jpg"));
        byte[] reversed = [.. DatasetReading.Jpeg.Reverse()];
        File.WriteAllBytes(_dir.File("a.jpg"), reversed);
        File.SetLastWriteTimeUtc(_dir.File("a.jpg"), time);
        File.WriteAllText(_dir.File("b.txt"), "a caption");
        var second = await DatasetReading.AllAsync(source.SkippingKnown(known));

        Assert.Equal([("a.jpg", true), ("b.png", false)], second.Select(e => (e.Id, e.IsUnchanged)));
        Assert.Null(second[0].Item);
        Assert.Equal(["a.jpg", "b.png"], asked.Select(s => s.Id));
        Assert.Equal(("a caption", asked[1].Stamp), (second[1].Item!.Text, second[1].Item!.Stamp)); // the stamp asked about is the one the item carries
        Assert.NotEqual(stamps["b.png"], asked[1].Stamp);

        // A new time: read again, whatever the size.
        File.SetLastWriteTimeUtc(_dir.File("a.jpg"), time.AddSeconds(1));
        var third = await DatasetReading.AllAsync(source.SkippingKnown(known));
        Assert.False(third[0].IsUnchanged);
        Assert.Equal(reversed, third[0].Item!.Bytes.ToArray());
    }

    [Fact]
    public async Task A_caption_table_is_part_of_every_stamp()
    {
        File.WriteAllBytes(_dir.File("one.png"), DatasetReading.Png);
        var captions = Path.Combine(Path.GetTempPath(), $"captions-{Guid.NewGuid():N}.csv");
        File.WriteAllText(captions, "file,text\none.png,first\n");
        try
        {
            var before = (await DatasetReading.AllAsync(new FolderSource(_dir.Path, captions)))[0].Item!.Stamp;
            File.WriteAllText(captions, "file,text\none.png,a second caption\n");
            var after = (await DatasetReading.AllAsync(new FolderSource(_dir.Path, captions)))[0].Item!;
            Assert.Equal("a second caption", after.Text);
            Assert.NotEqual(before, after.Stamp);
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

using System.Text.Json;
using VisionSearch.Datasets.Text;
using VisionSearch.Testing;

namespace VisionSearch.Datasets.Tests;

public sealed class TextSourceTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Lines_are_items_and_blank_or_non_utf8_lines_are_reported()
    {
        var path = _dir.File("captions.txt");
        File.WriteAllBytes(path, [.. "\uFEFFa cat\r\n\n"u8, .. "caf"u8, 0xE9, .. "\nthe end"u8]);

        var entries = await DatasetReading.AllAsync(new TextLinesSource(path));

        Assert.Equal(["0", "1", "2", "3"], entries.Select(e => e.Id));
        Assert.Equal("a cat", entries[0].Item!.Text);
        Assert.Equal("line 2 is blank", entries[1].Failure);
        Assert.Equal("line 3 is not valid UTF-8", entries[2].Failure);
        Assert.Equal("the end", entries[3].Item!.Text);
        Assert.Equal(["3"], (await DatasetReading.AllAsync(new TextLinesSource(path), entries[2].Cursor)).Select(e => e.Id));
    }

    [Fact]
    public async Task Csv_and_jsonl_tables_give_their_text_column_and_ids()
    {
        var csv = _dir.File("t.csv");
        File.WriteAllText(csv, "id,text,source\nx1,\"hello, \"\"world\"\"\nsecond line\",web\nx2,plain,book\n");
        var jsonl = _dir.File("t.jsonl");
        File.WriteAllText(jsonl, "{\"text\": \"one\", \"n\": 1}\n\nnot json\n{\"text\": \"three\"}\n");

        var fromCsv = await DatasetReading.AllAsync(new TableTextSource(csv, "text"));
        Assert.Equal(["x1", "x2"], fromCsv.Select(e => e.Id));
        Assert.Equal("hello, \"world\"\nsecond line", fromCsv[0].Item!.Text);
        Assert.Equal("web", fromCsv[0].Item!.Metadata["source"].GetString());

        var fromJson = await DatasetReading.AllAsync(new TableTextSource(jsonl, "text"));
        Assert.Equal("one", fromJson[0].Item!.Text);
        Assert.Equal(JsonValueKind.Number, fromJson[0].Item!.Metadata["n"].ValueKind); // JSON Lines keep their types
        Assert.Equal(1, fromJson[0].Item!.Metadata["n"].GetInt32());
        Assert.StartsWith("line 3 is not a JSON object", fromJson[1].Failure);
        Assert.Equal("three", fromJson[2].Item!.Text);

        var error = await Assert.ThrowsAsync<DatasetException>(() => DatasetReading.AllAsync(new TableTextSource(csv, "caption")));
        Assert.Equal("column", error.Field);
        Assert.Contains("it has id, text, source", error.Message);
    }

    [Fact]
    public async Task Vectors_take_their_ids_from_a_sidecar_file_and_resume_by_row()
    {
        var vectors = _dir.File("v.fvecs");
        TestVectors.WriteFvecs(vectors, TestVectors.Clustered(5, 4, seed: 3));
        var ids = _dir.File("ids.txt");
        File.WriteAllText(ids, "cat-1\ncat-2\ndog-1\ndog-2\nbird\n");
        var source = new Vectors.VectorSource(Vectors.VectorFile.Open(vectors), ids);

        var all = await DatasetReading.AllAsync(source);
        Assert.Equal(["cat-1", "cat-2", "dog-1", "dog-2", "bird"], all.Select(e => e.Id));
        Assert.All(all, e => Assert.Equal(4, e.Item!.Vector!.Length));
        Assert.Equal(["dog-2", "bird"], (await DatasetReading.AllAsync(source, all[2].Cursor)).Select(e => e.Id));

        File.WriteAllText(ids, "only-one\n");
        var error = await Assert.ThrowsAsync<DatasetException>(() => DatasetReading.AllAsync(source));
        Assert.Equal("ids", error.Field);
    }
}

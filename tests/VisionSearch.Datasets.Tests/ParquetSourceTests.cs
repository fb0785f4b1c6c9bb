using Parquet;
using Parquet.Schema;
using VisionSearch.Datasets.Parquet;
using VisionSearch.Testing;

namespace VisionSearch.Datasets.Tests;

public sealed class ParquetSourceTests : IDisposable
{
    private static readonly string[] Texts = ["first", "second"];
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Image_rows_stream_with_captions_and_unreadable_rows_are_reported()
    {
        var png = DatasetReading.Png;
        var jpeg = DatasetReading.Jpeg;
        var rows = Enumerable.Range(0, 250).Select(i => (Image: i switch { 7 => null, 8 => Array.Empty<byte>(), _ => i % 2 == 0 ? png : jpeg }, Caption: (string?)$"photo {i}")).ToList();
        var path = _dir.File("train.parquet");
        await SyntheticParquet.WriteImagesAsync(path, rows, rowGroupSize: 100);

        var entries = await DatasetReading.AllAsync(new ParquetSource(path));

        Assert.Equal(250, entries.Count);

        Assert.Equal(["7", "8"], entries.Where(e => e.Failure is not null).Select(e => e.Id));
        Assert.Contains("no image bytes in 'image'", entries[7].Failure);
        var items = entries.Where(e => e.Item is not null).Select(e => e.Item!).ToList();
        Assert.Equal(248, items.Count);
        Assert.All(items, i => Assert.Equal(ItemKind.Image, i.Kind));
        Assert.Equal(png, items[0].Bytes.ToArray());
        Assert.Equal(jpeg, items[1].Bytes.ToArray());
        Assert.Equal("photo 249", items[^1].Text);
        Assert.Equal("249", items[^1].Id);
    }

    [Fact]
    public async Task Number_and_boolean_columns_are_metadata_with_their_types_and_a_null_is_left_out()
    {
        var path = _dir.File("typed.parquet");
        var text = new DataField<string>("text");
        var year = new DataField<int?>("year");
        var score = new DataField<double>("score");
        var ok = new DataField<bool>("ok");
        await using (var stream = File.Create(path))
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(text, year, score, ok), stream))
        using (var group = writer.CreateRowGroup())
        {
            await group.WriteAsync(text, Texts);
            await group.WriteAsync<int>(year, new ReadOnlyMemory<int?>([2021, null]));
            await group.WriteAsync<double>(score, new ReadOnlyMemory<double>([0.5, 2.0]));
            await group.WriteAsync<bool>(ok, new ReadOnlyMemory<bool>([true, false]));
        }

        var entries = await DatasetReading.AllAsync(new ParquetSource(path));

        Assert.Equal(
            ["ok:true score:0.5 year:2021", "ok:false score:2"],
            entries.Select(e => string.Join(" ", e.Item!.Metadata.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key}:{m.Value.GetRawText()}"))));
    }

    [Fact]
    public async Task A_cursor_resumes_after_the_last_item_read_and_limit_is_a_take()
    {
        var path = _dir.File("texts.parquet");
        await SyntheticParquet.WriteTextsAsync(path, [.. Enumerable.Range(0, 300).Select(i => $"sentence number {i}")], rowGroupSize: 64);
        var source = new ParquetSource(path);

        var first = await source.ReadAsync().Take(130).ToListAsync();
        var rest = await DatasetReading.AllAsync(source, first[^1].Cursor);

        Assert.Equal(Enumerable.Range(0, 300).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), first.Concat(rest).Select(e => e.Id));
        Assert.Equal("sentence number 130", rest[0].Item!.Text);
        Assert.Equal("l19", rest[0].Item!.Metadata["label"].GetString());
    }

    [Fact]
    public async Task A_missing_column_lists_the_columns_that_exist()
    {
        var path = _dir.File("texts.parquet");
        await SyntheticParquet.WriteTextsAsync(path, ["a", "b"], column: "body");

        var missing = await Assert.ThrowsAsync<DatasetException>(() => DatasetReading.AllAsync(new ParquetSource(path, column: "caption")));
        Assert.Equal("column", missing.Field);
        Assert.Contains("it has body, label", missing.Message);

        var unnamed = await Assert.ThrowsAsync<DatasetException>(() => DatasetReading.AllAsync(new ParquetSource(path)));
        Assert.Contains("name one of: body, label", unnamed.Message);

        Assert.Equal(["a", "b"], (await DatasetReading.AllAsync(new ParquetSource(path, column: "body"))).Select(e => e.Item!.Text));
    }

    [Fact]
    public async Task A_file_that_is_not_parquet_is_a_location_error()
    {
        var path = _dir.File("fake.parquet");
        await File.WriteAllTextAsync(path, "PAR1 not really");

        var error = await Assert.ThrowsAsync<DatasetException>(() => DatasetReading.AllAsync(new ParquetSource(path)));
        Assert.Equal("location", error.Field);
    }
}

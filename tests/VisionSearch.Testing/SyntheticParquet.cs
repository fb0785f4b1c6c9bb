using Parquet;
using Parquet.Schema;

namespace VisionSearch.Testing;

/// <summary>
/// Parquet files shaped like Hugging Face <c>datasets</c> writes them (no real Hub file with an Image
/// feature was available: see tests/fixtures/hf/README.md): an <c>image</c> struct of <c>bytes</c> and
/// <c>path</c>, a <c>text</c> string, and the <c>huggingface</c> schema metadata. Synthetic, by design.
/// </summary>
public static class SyntheticParquet
{
    public static async Task WriteImagesAsync(string path, IReadOnlyList<(byte[]? Image, string? Caption)> rows, int rowGroupSize = 100)
    {
        var bytes = new DataField<byte[]?>("bytes");
        var name = new DataField<string?>("path");
        var text = new DataField<string?>("text");
        var schema = new ParquetSchema(new StructField("image", bytes, name), text);
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream);
        writer.CustomMetadata = new Dictionary<string, string>
        {
            ["huggingface"] = """{"info": {"features": {"image": {"_type": "Image"}, "text": {"dtype": "string", "_type": "Value"}}}}""",
        };
        foreach (var chunk in rows.Chunk(rowGroupSize))
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(bytes, chunk.Select(r => r.Image).ToArray());
            await group.WriteAsync(name, chunk.Select((r, i) => r.Image is null ? null : $"img{i}.png").ToArray());
            await group.WriteAsync(text, chunk.Select(r => r.Caption).ToArray());
        }
    }

    public static async Task WriteTextsAsync(string path, IReadOnlyList<string?> texts, string column = "sentence", int rowGroupSize = 100)
    {
        var text = new DataField<string?>(column);
        var label = new DataField<string?>("label");
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(text, label), stream);
        writer.CustomMetadata = new Dictionary<string, string>
        {
            ["huggingface"] = "{\"info\": {\"features\": {\"" + column + "\": {\"dtype\": \"string\", \"_type\": \"Value\"}, \"label\": {\"dtype\": \"string\", \"_type\": \"Value\"}}}}",
        };
        foreach (var chunk in texts.Chunk(rowGroupSize))
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(text, chunk.ToArray());
            await group.WriteAsync(label, chunk.Select(t => t is null ? null : "l" + t.Length).ToArray());
        }
    }
}

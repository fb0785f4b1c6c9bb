using System.Diagnostics.Metrics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using VisionSearch.Embeddings.Clip;
using VisionSearch.Testing;

namespace VisionSearch.Embeddings.Tests;

public sealed class ClipEmbedderTests : IDisposable
{
    private const double Tolerance = 2e-6; // normalised embeddings; the fixture measured ≤ 6e-7 in ORT 1.31.1

    private readonly ClipEmbedder _embedder = ClipEmbedder.Open(new ClipModelFolder(ClipGoldens.Folder), new ClipOptions { MaxBatchSize = 8 });

    public void Dispose() => _embedder.Dispose();

    [Fact]
    public async Task Text_embeddings_match_the_goldens_alone_and_in_padded_batches()
    {
        var texts = ClipGoldens.Texts.ToList();
        var batched = await _embedder.EmbedTextsAsync([.. texts.Select(t => t.GetProperty("text").GetString()!)]);
        for (var i = 0; i < texts.Count; i++)
        {
            var expected = ClipGoldens.Floats(texts[i].GetProperty("text_embeds_normalized"));
            var alone = (await _embedder.EmbedTextsAsync([texts[i].GetProperty("text").GetString()!]))[0];
            AssertClose(expected, alone, texts[i].GetProperty("name").GetString()!);
            AssertClose(expected, batched[i], texts[i].GetProperty("name").GetString()!);
        }
    }

    [Fact]
    public async Task Items_are_counted_on_the_meter_of_the_hosts_instruments_and_not_at_all_without()
    {
        using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = meters.GetRequiredService<IMeterFactory>();
        var counted = new List<(bool OnHostMeter, long Items, string Kind)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == EmbeddingInstruments.Name && instrument.Name == "visionsearch.embedding.items")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            lock (counted)
            {
                counted.Add((instrument.Meter.Scope == factory, value, (string)tags.ToArray().Single(t => t.Key == "visionsearch.kind").Value!));
            }
        });
        listener.Start();

        await _embedder.EmbedTextsAsync(["opened without instruments"]);
        using (var embedder = ClipEmbedder.Open(new ClipModelFolder(ClipGoldens.Folder), new ClipOptions(), new EmbeddingInstruments(factory)))
        {
            await embedder.EmbedTextsAsync(["a cat", "a dog", "a bird"]);
            await embedder.EmbedImagesAsync([.. ClipGoldens.Images.Take(2).Select(i => (ReadOnlyMemory<byte>)ClipGoldens.ImageBytes(i))]);
        }

        Assert.Equal([(true, 3L, "text"), (true, 2L, "image")], counted);
    }

    [Fact]
    public async Task Texts_spanning_several_chunks_come_back_in_order()
    {
        // Batches of 5 make chunks of 60 texts (the most whole batches within 64): 150 texts are two full chunks and
        // a short one, ending in a short batch.
        using var embedder = ClipEmbedder.Open(new ClipModelFolder(ClipGoldens.Folder), new ClipOptions { MaxBatchSize = 5 });
        var goldens = ClipGoldens.Texts.ToList();
        var picks = Enumerable.Range(0, 150).Select(i => goldens[(i * 7) % goldens.Count]).ToList();

        var vectors = await embedder.EmbedTextsAsync([.. picks.Select(t => t.GetProperty("text").GetString()!)]);

        Assert.Equal(150, vectors.Length);
        for (var i = 0; i < picks.Count; i++)
        {
            AssertClose(ClipGoldens.Floats(picks[i].GetProperty("text_embeds_normalized")), vectors[i], $"text {i}");
        }
    }

    [Fact]
    public async Task Image_embeddings_match_the_goldens_alone_and_batched()
    {
        var images = ClipGoldens.Images.ToList();
        var batched = await _embedder.EmbedImagesAsync([.. images.Select(i => (ReadOnlyMemory<byte>)ClipGoldens.ImageBytes(i))]);
        for (var i = 0; i < images.Count; i++)
        {
            var expected = ClipGoldens.Floats(images[i].GetProperty("image_embeds_normalized"));
            var alone = (await _embedder.EmbedImagesAsync([ClipGoldens.ImageBytes(images[i])]))[0];
            AssertClose(expected, alone, images[i].GetProperty("name").GetString()!);
            AssertClose(expected, batched[i], images[i].GetProperty("name").GetString()!);
        }
    }

    [Fact]
    public async Task A_text_model_that_takes_only_input_ids_gives_the_same_embeddings()
    {
        using var folder = new TempDirectory();
        Directory.CreateDirectory(folder.File("onnx"));
        foreach (var file in new[] { "tokenizer.json", "preprocessor_config.json", "onnx/vision_model.onnx" })
        {
            File.Copy(Path.Combine(ClipGoldens.Folder, file), folder.File(file));
        }

        File.Copy(Path.Combine(ClipGoldens.Folder, "onnx", "text_model_ids_only.onnx"), folder.File("onnx/text_model.onnx"));
        using var idsOnly = ClipEmbedder.Open(new ClipModelFolder(folder.Path), new ClipOptions());

        var golden = ClipGoldens.Texts.Take(5).ToList();
        var vectors = await idsOnly.EmbedTextsAsync([.. golden.Select(t => t.GetProperty("text").GetString()!)]);
        for (var i = 0; i < golden.Count; i++)
        {
            AssertClose(ClipGoldens.Floats(golden[i].GetProperty("text_embeds_normalized")), vectors[i], "ids-only");
        }
    }

    [Fact]
    public async Task The_generators_speak_microsoft_extensions_ai_and_name_a_bad_image()
    {
        using var texts = new TextEmbeddingGenerator(_embedder, "clip-tiny");
        using var images = new ImageEmbeddingGenerator(_embedder, "clip-tiny");

        var embeddings = await texts.GenerateAsync(["a photo of a cat", "a photo of a dog"]);
        Assert.Equal(2, embeddings.Count);
        Assert.All(embeddings, e => Assert.Equal(1.0, Math.Sqrt(e.Vector.ToArray().Sum(x => (double)x * x)), 5));
        Assert.Equal(512, texts.GetService<EmbeddingGeneratorMetadata>()!.DefaultModelDimensions);

        var good = new DataContent(ClipGoldens.ImageBytes(ClipGoldens.Image("square_224x224")), "image/png");
        var bad = new DataContent("not an image"u8.ToArray(), "image/png");
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => images.GenerateAsync([good, bad]));
        Assert.StartsWith("Image 1:", error.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => texts.GenerateAsync(["x"], new EmbeddingGenerationOptions { Dimensions = 256 }));
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = expected.Zip(actual, (e, a) => Math.Abs((double)e - a)).Max();
        Assert.True(worst <= Tolerance, $"{what}: max |Δ| = {worst:E2}");
    }
}

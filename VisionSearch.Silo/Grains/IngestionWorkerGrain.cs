using Orleans.Concurrency;
using VisionSearch.Embeddings.Caching;
using VisionSearch.Silo.Ingestion;

namespace VisionSearch.Silo.Grains;

/// <summary>
/// Embeds a build's batches with the silo's local CLIP embedder or a SageMaker endpoint. An image the model
/// cannot take (undecodable, refused by the endpoint's script) fails alone: the batch is embedded again in halves
/// down to that image, and only it is reported, with the reason. Throttling and 5xx are retried by the
/// SageMaker client itself. Every input is looked up in the shared embedding cache first (see EmbedderProvider).
/// </summary>
[StatelessWorker]
public sealed class IngestionWorkerGrain(EmbedderProvider embedders) : Grain, IIngestionWorkerGrain
{
    public async Task<EmbedResult> EmbedAsync(string embedder, string model, EmbedItem[] items)
    {
        var embedding = await embedders.GetAsync(embedder, model);
        var vectors = new float[]?[items.Length];
        var failures = new string?[items.Length];
        var cached = 0;

        var texts = Enumerable.Range(0, items.Length).Where(i => items[i].Image is null).ToArray();
        if (texts.Length > 0)
        {
            var embedded = await embedding.TextsAsync([.. texts.Select(i => items[i].Text ?? "")]);
            cached += embedded.FromCache;
            for (var j = 0; j < texts.Length; j++)
            {
                vectors[texts[j]] = embedded.Vectors[j];
            }
        }

        var images = Enumerable.Range(0, items.Length).Where(i => items[i].Image is not null).ToArray();
        if (images.Length > 0)
        {
            cached += await EmbedImagesAsync(embedding, items, images, vectors, failures);
        }

        return new EmbedResult(vectors, failures, cached);
    }

    /// <summary>
    /// Embeds the images at <paramref name="images"/>; when the model refuses one, each half again, down to the images it
    /// refuses. The halves that embed are stored in the cache, so a large batch with a bad image costs about twice its
    /// embedding, not one call per image. Returns how many vectors came from the cache.
    /// </summary>
    private static async Task<int> EmbedImagesAsync(CachedEmbedder embedding, EmbedItem[] items, ArraySegment<int> images, float[]?[] vectors, string?[] failures)
    {
        try
        {
            var embedded = await embedding.ImagesAsync([.. images.Select(i => new ReadOnlyMemory<byte>(items[i].Image))]);
            for (var j = 0; j < images.Count; j++)
            {
                vectors[images[j]] = embedded.Vectors[j];
            }

            return embedded.FromCache;
        }
        catch (InvalidDataException e) when (images.Count == 1)
        {
            failures[images[0]] = e.Message;
            return 0;
        }
        catch (InvalidDataException)
        {
            var half = images.Count / 2;
            return await EmbedImagesAsync(embedding, items, images[..half], vectors, failures)
                + await EmbedImagesAsync(embedding, items, images[half..], vectors, failures);
        }
    }
}

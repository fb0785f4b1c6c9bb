using Orleans.Concurrency;
using VisionSearch.Silo.Ingestion;

namespace VisionSearch.Silo.Grains;

/// <summary>
/// Embeds a build's batches with the silo's local CLIP embedder or a SageMaker endpoint. An image the model
/// cannot take (undecodable, refused by the endpoint's script) fails alone: the batch is embedded again one
/// image at a time and only that image is reported, with the reason. Throttling and 5xx are retried by the
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
            try
            {
                var embedded = await embedding.ImagesAsync([.. images.Select(i => new ReadOnlyMemory<byte>(items[i].Image))]);
                cached += embedded.FromCache;
                for (var j = 0; j < images.Length; j++)
                {
                    vectors[images[j]] = embedded.Vectors[j];
                }
            }
            catch (InvalidDataException)
            {
                foreach (var i in images)
                {
                    try
                    {
                        var embedded = await embedding.ImagesAsync([items[i].Image]);
                        cached += embedded.FromCache;
                        vectors[i] = embedded.Vectors[0];
                    }
                    catch (InvalidDataException e)
                    {
                        failures[i] = e.Message;
                    }
                }
            }
        }

        return new EmbedResult(vectors, failures, cached);
    }
}

using System.CommandLine;
using VisionSearch.Bench.Data;
using VisionSearch.Hnsw;

namespace VisionSearch.Bench;

/// <summary>The command line of the peer benchmark (VisionSearch.Bench/peers/README.md), plus <c>--variant</c> to pick the flavour, and the other benchmarks as subcommands.</summary>
internal static class BenchCommand
{
    public static RootCommand Create()
    {
        var basePath = new Option<FileInfo>("--base") { Required = true, Description = "Base vectors (.fvecs); row i has id i." };
        var queryPath = new Option<FileInfo>("--query") { Required = true, Description = "Query vectors (.fvecs)." };
        var truthPath = new Option<FileInfo>("--gt") { Required = true, Description = "Exact neighbours per query (.ivecs), best first." };
        var m = new Option<int>("--M") { DefaultValueFactory = _ => 16, Description = "Links per node (2·M on layer 0)." };
        var efConstruction = new Option<int>("--efc") { DefaultValueFactory = _ => 200, Description = "efConstruction." };
        var efs = new Option<string>("--ef") { DefaultValueFactory = _ => "10,20,40,80,160,320", Description = "Comma-separated ef values to sweep." };
        var k = new Option<int>("--k") { DefaultValueFactory = _ => 10, Description = "Neighbours per query scored for recall." };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => 1, Description = "Build threads." };
        var searchThreads = new Option<int>("--search-threads") { DefaultValueFactory = _ => 1, Description = "Threads searching at once in the timed passes (the queries split between them); QPS is all of theirs." };
        searchThreads.Validators.Add(r => { if (r.GetValue(searchThreads) < 1) { r.AddError("--search-threads must be at least 1."); } });
        var run = new Option<int>("--run") { DefaultValueFactory = _ => 1, Description = "Run number, copied to the output." };
        var variant = new Option<string>("--variant") { DefaultValueFactory = _ => BenchRunner.Float32, Description = "float32, sq8-rerank (int8 walk) or rabitq-rerank (one-bit walk), both re-ranked with originals read from a file." };
        variant.AcceptOnlyFromAmong(BenchRunner.Float32, BenchRunner.Sq8Rerank, BenchRunner.RaBitQRerank);

        var command = new RootCommand("Builds VisionSearch.Hnsw on .fvecs data and prints one JSON line per ef (recall, QPS, memory).")
        {
            basePath, queryPath, truthPath, m, efConstruction, efs, k, threads, searchThreads, run, variant,
        };
        command.SetAction(result =>
        {
            var settings = new BenchSettings(
                result.GetValue(basePath)!.FullName,
                result.GetValue(queryPath)!.FullName,
                result.GetValue(truthPath)!.FullName,
                result.GetValue(m),
                result.GetValue(efConstruction),
                [.. result.GetValue(efs)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse)],
                result.GetValue(k),
                result.GetValue(threads),
                result.GetValue(run),
                result.GetValue(variant)!,
                result.GetValue(searchThreads));
            BenchRunner.Run(settings, Console.Out, Console.Error);
            return 0;
        });
        command.Subcommands.Add(Embeddings());
        command.Subcommands.Add(Datasets());
        command.Subcommands.Add(Cache());
        command.Subcommands.Add(Cluster());
        command.Subcommands.Add(Writes());
        command.Subcommands.Add(Filters());
        command.Subcommands.Add(Generate());
        command.Subcommands.Add(Truth());
        return command;
    }

    private static Command Generate()
    {
        var defaults = new ClipLikeParameters();
        var count = new Option<long>("--n") { Required = true, Description = "Base vectors to write." };
        var queries = new Option<int>("--q") { DefaultValueFactory = _ => 1000, Description = "Query vectors to write (fresh draws, not base rows)." };
        var basePath = new Option<FileInfo>("--base") { Required = true, Description = "Where the base .fvecs goes." };
        var queryPath = new Option<FileInfo?>("--query") { Description = "Where the query .fvecs goes (required with --q > 0)." };
        var dimension = new Option<int>("--dim") { DefaultValueFactory = _ => defaults.Dimension };
        var clusters = new Option<int>("--clusters") { DefaultValueFactory = _ => defaults.Clusters };
        var supers = new Option<int>("--supers") { DefaultValueFactory = _ => defaults.SuperClusters };
        var rank = new Option<int>("--rank") { DefaultValueFactory = _ => defaults.Rank, Description = "Rank of each cluster's subspace." };
        var seed = new Option<ulong>("--seed") { DefaultValueFactory = _ => defaults.Seed };
        var queryNoise = new Option<double>("--query-noise") { DefaultValueFactory = _ => defaults.QueryNoise, Description = "Scale of the queries' full-rank noise (1.3: out-of-distribution queries)." };
        var command = new Command("gen", "Writes CLIP-like unit vectors (.fvecs): a cone axis, super-clusters and clusters with low-rank subspaces, power-law noise; the peer benchmark's generator.")
        {
            count, queries, basePath, queryPath, dimension, clusters, supers, rank, seed, queryNoise,
        };
        command.SetAction(result =>
        {
            var queryCount = result.GetValue(queries);
            var queryFile = result.GetValue(queryPath);
            if (queryCount > 0 && queryFile is null)
            {
                Console.Error.WriteLine("--query is required when --q is above 0.");
                return 2;
            }

            var parameters = defaults with
            {
                Dimension = result.GetValue(dimension),
                Clusters = result.GetValue(clusters),
                SuperClusters = result.GetValue(supers),
                Rank = result.GetValue(rank),
                Seed = result.GetValue(seed),
                QueryNoise = result.GetValue(queryNoise),
            };
            Console.Out.WriteLine(VectorSets.Generate(parameters, result.GetValue(count), result.GetValue(basePath)!.FullName, queryCount, queryFile?.FullName, Console.Error));
            return 0;
        });
        return command;
    }

    private static Command Truth()
    {
        var basePath = new Option<FileInfo>("--base") { Required = true, Description = "Base vectors (.fvecs), unit length." };
        var queryPath = new Option<FileInfo>("--query") { Required = true, Description = "Query vectors (.fvecs)." };
        var k = new Option<int>("--k") { DefaultValueFactory = _ => 100, Description = "Neighbours per query." };
        var output = new Option<FileInfo>("--out") { Required = true, Description = "Where the ids go (.ivecs, best first)." };
        var scores = new Option<FileInfo?>("--scores") { Description = "Where their scores go (.fvecs)." };
        var command = new Command("gt", "Exact top-k by inner product for every query (float32 scan, the best re-scored in double), and the data set's difficulty as one JSON line.")
        {
            basePath, queryPath, k, output, scores,
        };
        command.SetAction(result =>
        {
            Console.Out.WriteLine(GroundTruth.Compute(
                result.GetValue(basePath)!.FullName, result.GetValue(queryPath)!.FullName, result.GetValue(k),
                result.GetValue(output)!.FullName, result.GetValue(scores)?.FullName, Console.Error));
            return 0;
        });
        return command;
    }

    private static Command Cluster()
    {
        var basePath = new Option<FileInfo>("--base") { Required = true, Description = "Base vectors (.fvecs), L2-normalised; indexed by inner product." };
        var queryPath = new Option<FileInfo>("--query") { Required = true, Description = "Query vectors (.fvecs)." };
        var ef = new Option<int>("--ef") { DefaultValueFactory = _ => 64, Description = "ef for the search passes." };
        var k = new Option<int>("--k") { DefaultValueFactory = _ => 10, Description = "Neighbours per search." };
        var grains = new Option<bool>("--grains") { DefaultValueFactory = _ => true, Description = "Also build and search through a silo (false: library and snapshots only)." };
        var command = new Command("cluster", "The index grain beside the bare library: build rate, snapshot MB/s, restore vs build time, search QPS at 1 and 8 callers.")
        {
            basePath, queryPath, ef, k, grains,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            // Redis' own output (a child process echoed to stdout) must not mix with the JSON line.
            var output = Console.Out;
            Console.SetOut(Console.Error);
            await ClusterBench.RunAsync(
                result.GetValue(basePath)!.FullName, result.GetValue(queryPath)!.FullName, result.GetValue(ef), result.GetValue(k), result.GetValue(grains), output, Console.Error);
            return 0;
        });
        return command;
    }

    /// <summary>Where the benches that go through HTTP find the API: <c>--api</c> and <c>--api-key</c>.</summary>
    private static (Option<Uri> Api, Option<string?> Key) ApiOptions() => (
        new Option<Uri>("--api") { DefaultValueFactory = _ => new Uri("http://127.0.0.1:5080"), Description = "The running API (the AppHost's by default)." },
        new Option<string?>("--api-key") { Description = "A read-write key, when the API has keys." });

    private static Command Writes()
    {
        var (api, apiKey) = ApiOptions();
        var basePath = new Option<FileInfo>("--base") { Required = true, Description = "Vectors to write (.fvecs); row i is item i." };
        var queryPath = new Option<FileInfo>("--query") { Required = true, Description = "Query vectors (.fvecs)." };
        var truthPath = new Option<FileInfo>("--gt") { Required = true, Description = "Exact neighbours per query among all of --base (.ivecs), best first." };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 256, Description = "Items per request." };
        var inFlight = new Option<int>("--in-flight") { DefaultValueFactory = _ => 4, Description = "Requests at once." };
        var ef = new Option<int>("--ef") { DefaultValueFactory = _ => 64, Description = "ef of the recall searches." };
        var k = new Option<int>("--k") { DefaultValueFactory = _ => 10 };
        var reinsert = new Option<double>("--reinsert") { DefaultValueFactory = _ => 0.1, Description = "The share of items deleted and written again." };
        var shards = new Option<int>("--shards") { DefaultValueFactory = _ => 1 };
        var base64 = new Option<bool>("--base64") { Description = "Send vectors as base64 float32 strings instead of JSON numbers." };
        var command = new Command("writes", "Upserts of precomputed vectors through the API beside the library's insert rate; recall before and after deleting and rewriting a share.")
        {
            api, apiKey, basePath, queryPath, truthPath, batch, inFlight, ef, k, reinsert, shards, base64,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            await WriteBench.RunAsync(
                new WriteBench.Settings(
                    result.GetValue(api)!, result.GetValue(apiKey), result.GetValue(basePath)!.FullName, result.GetValue(queryPath)!.FullName, result.GetValue(truthPath)!.FullName,
                    result.GetValue(batch), result.GetValue(inFlight), result.GetValue(ef), result.GetValue(k), result.GetValue(reinsert), result.GetValue(shards), result.GetValue(base64)),
                Console.Out,
                Console.Error);
            return 0;
        });
        return command;
    }

    private static Command Filters()
    {
        var (api, apiKey) = ApiOptions();
        var basePath = new Option<FileInfo>("--base") { Required = true, Description = "Vectors to write (.fvecs); row i is item i." };
        var queryPath = new Option<FileInfo>("--query") { Required = true, Description = "Query vectors (.fvecs)." };
        var callers = new Option<int>("--callers") { DefaultValueFactory = _ => 32, Description = "Searches at once." };
        var seconds = new Option<int>("--seconds") { DefaultValueFactory = _ => 10, Description = "Seconds per variant and round." };
        var rounds = new Option<int>("--rounds") { DefaultValueFactory = _ => 3 };
        var ef = new Option<int>("--ef") { DefaultValueFactory = _ => 64 };
        var k = new Option<int>("--k") { DefaultValueFactory = _ => 10 };
        var shards = new Option<int>("--shards") { DefaultValueFactory = _ => 1 };
        var command = new Command("filters", "Filtered search req/s through the API at 50 %, 5 % and 0.1 % of the items beside unfiltered, in interleaved rounds, with recall against the exact filtered top-k.")
        {
            api, apiKey, basePath, queryPath, callers, seconds, rounds, ef, k, shards,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            await FilterBench.RunAsync(
                new FilterBench.Settings(
                    result.GetValue(api)!, result.GetValue(apiKey), result.GetValue(basePath)!.FullName, result.GetValue(queryPath)!.FullName,
                    result.GetValue(callers), result.GetValue(seconds), result.GetValue(rounds), result.GetValue(ef), result.GetValue(k), result.GetValue(shards)),
                Console.Out,
                Console.Error);
            return 0;
        });
        return command;
    }

    private static Command Datasets()
    {
        var directory = new Option<DirectoryInfo>("--dir") { Required = true, Description = "Where the generated data lives (made on first use)." };
        var source = new Option<string>("--source") { DefaultValueFactory = _ => "parquet", Description = "parquet or folder." };
        source.AcceptOnlyFromAmong("parquet", "folder");
        var items = new Option<int>("--items") { DefaultValueFactory = _ => 50_000, Description = "Images in the dataset." };
        var bytes = new Option<int>("--bytes") { DefaultValueFactory = _ => 16_384, Description = "Bytes per image." };
        var command = new Command("datasets", "Items/s and peak RSS reading a local image Parquet file or a folder of images.")
        {
            directory, source, items, bytes,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            await DatasetBench.RunAsync(result.GetValue(directory)!.FullName, result.GetValue(source)!, result.GetValue(items), result.GetValue(bytes), Console.Out, Console.Error);
            return 0;
        });
        return command;
    }

    private static Command Cache()
    {
        var model = new Option<DirectoryInfo>("--model") { Required = true, Description = "A CLIP model folder in the Hugging Face layout (e.g. tests/fixtures/clip-tiny)." };
        var directory = new Option<DirectoryInfo>("--dir") { Required = true, Description = "Where the generated images live (made on first use)." };
        var images = new Option<int>("--images") { DefaultValueFactory = _ => 10_000, Description = "Images in the folder." };
        var command = new Command("cache", "A folder of generated images built with a local model, then rebuilt with another m through the embedding cache: both times, and the share.")
        {
            model, directory, images,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var output = Console.Out;
            Console.SetOut(Console.Error); // Redis' own output must not mix with the JSON line
            await CacheBench.RunAsync(result.GetValue(model)!.FullName, result.GetValue(directory)!.FullName, result.GetValue(images), output, Console.Error);
            return 0;
        });
        return command;
    }

    private static Command Embeddings()
    {
        var model = new Option<DirectoryInfo>("--model") { Required = true, Description = "A CLIP model folder in the Hugging Face layout (e.g. tests/fixtures/clip-tiny)." };
        var images = new Option<DirectoryInfo?>("--images") { Description = "Images to embed, cycled; default <model>/images." };
        var batches = new Option<string>("--batch") { DefaultValueFactory = _ => "1,8,32", Description = "Comma-separated batch sizes." };
        var items = new Option<int>("--items") { DefaultValueFactory = _ => 2048, Description = "Texts and images per pass (five passes are measured)." };
        var command = new Command("embeddings", "Texts/s and images/s through the CLIP embedder, time outside session.Run, bytes allocated per item.")
        {
            model, images, batches, items,
        };
        command.SetAction(result =>
        {
            EmbeddingBench.Run(
                result.GetValue(model)!.FullName,
                result.GetValue(images)?.FullName,
                [.. result.GetValue(batches)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse)],
                result.GetValue(items),
                Console.Out,
                Console.Error);
            return 0;
        });
        return command;
    }
}

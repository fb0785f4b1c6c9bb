using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Spectre.Console;
using VisionSearch.Aws;
using VisionSearch.HuggingFace;

namespace VisionSearch.Cloud;

/// <summary>
/// deploy, status and delete. Every resource is named after the endpoint and a hash of what defines it
/// (the archive's bytes, image, role and environment for the model; the model and instances for the config),
/// and each step first asks whether its resource exists: a second deploy of the same model uploads nothing,
/// creates nothing and leaves the endpoint alone; a changed model or instance type makes new resources and
/// updates the endpoint to them.
/// </summary>
internal sealed class Deployment(SageMakerApi api, ModelUpload upload, HubClient hub, IAnsiConsole console)
{
    /// <summary>The files of a transformers CLIP checkpoint that the container loads.</summary>
    public static IReadOnlyList<string> ModelFiles { get; } =
    [
        "config.json", "model.safetensors", "preprocessor_config.json", "tokenizer.json", "tokenizer_config.json",
        "vocab.json", "merges.txt", "special_tokens_map.json",
    ];

    /// <summary>Deploys; returns the steps that changed something (empty: the endpoint already served this model).</summary>
    /// <exception cref="DeployException">The endpoint failed, rolled back, or did not come up in time.</exception>
    public async Task<IReadOnlyList<string>> DeployAsync(DeploySettings settings, CancellationToken cancellationToken = default)
    {
        var changes = new List<string>();
        var folder = settings.ModelDirectory ?? await DownloadAsync(settings.ModelId, cancellationToken);
        var archive = Path.Combine(Path.GetTempPath(), $"visionsearch-{Guid.NewGuid():N}.tar.gz");
        try
        {
            var sha = await console.Status().StartAsync("Packing model.tar.gz", _ => ModelArchive.PackAsync(folder, settings.CodeDirectory, archive, cancellationToken));
            var key = $"{settings.Prefix.Trim('/')}/{settings.EndpointName}/{sha[..16]}/model.tar.gz";
            console.MarkupLineInterpolated($"model.tar.gz: {new FileInfo(archive).Length:N0} bytes, sha256 {sha[..16]}…");
            var sent = await console.Progress().StartAsync(async context =>
            {
                var task = context.AddTask($"s3://{settings.Bucket}/{key}");
                var uploaded = await upload.UploadAsync(archive, settings.Bucket, key, new Progress<(long Sent, long Total)>(p =>
                {
                    task.MaxValue = p.Total;
                    task.Value = p.Sent;
                }), cancellationToken);
                task.Value = task.MaxValue;
                return uploaded;
            });
            if (sent)
            {
                changes.Add($"uploaded s3://{settings.Bucket}/{key}");
            }

            var environment = new JsonObject
            {
                ["SAGEMAKER_PROGRAM"] = "inference.py",
                ["SAGEMAKER_SUBMIT_DIRECTORY"] = "/opt/ml/model/code",
                ["SAGEMAKER_CONTAINER_LOG_LEVEL"] = "20",
                ["SAGEMAKER_REGION"] = settings.Region,
            };
            var modelName = Name(settings.EndpointName, sha, settings.ResolvedImage, settings.RoleArn, environment.ToJsonString());
            if (await api.TryCallAsync("DescribeModel", Model(modelName), cancellationToken) is null)
            {
                await api.CallAsync("CreateModel", new JsonObject
                {
                    ["ModelName"] = modelName,
                    ["ExecutionRoleArn"] = settings.RoleArn,
                    ["PrimaryContainer"] = new JsonObject
                    {
                        ["Image"] = settings.ResolvedImage,
                        ["ModelDataUrl"] = $"s3://{settings.Bucket}/{key}",
                        ["Environment"] = environment,
                    },
                }, cancellationToken);
                changes.Add($"created model {modelName}");
            }

            var configName = Name(settings.EndpointName, modelName, settings.InstanceType, settings.InstanceCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (await api.TryCallAsync("DescribeEndpointConfig", Config(configName), cancellationToken) is null)
            {
                await api.CallAsync("CreateEndpointConfig", new JsonObject
                {
                    ["EndpointConfigName"] = configName,
                    ["ProductionVariants"] = new JsonArray(new JsonObject
                    {
                        ["VariantName"] = "AllTraffic",
                        ["ModelName"] = modelName,
                        ["InitialInstanceCount"] = settings.InstanceCount,
                        ["InstanceType"] = settings.InstanceType,
                        ["InitialVariantWeight"] = 1,
                    }),
                }, cancellationToken);
                changes.Add($"created endpoint config {configName}");
            }

            var endpoint = await api.TryCallAsync("DescribeEndpoint", Endpoint(settings.EndpointName), cancellationToken);
            var request = new JsonObject { ["EndpointName"] = settings.EndpointName, ["EndpointConfigName"] = configName };
            if (endpoint is null)
            {
                await api.CallAsync("CreateEndpoint", request, cancellationToken);
                changes.Add($"created endpoint {settings.EndpointName}");
            }
            else if ((string?)endpoint["EndpointConfigName"] != configName)
            {
                await api.CallAsync("UpdateEndpoint", request, cancellationToken);
                changes.Add($"updated endpoint {settings.EndpointName} from {(string?)endpoint["EndpointConfigName"]}");
            }

            await WaitInServiceAsync(settings, configName, cancellationToken);
            console.MarkupLineInterpolated($"[green]{settings.EndpointName}[/] is InService{(changes.Count == 0 ? " (nothing changed)" : "")}.");
            return changes;
        }
        finally
        {
            File.Delete(archive);
        }
    }

    /// <summary>Prints the endpoint's state; returns it, or null when there is no such endpoint.</summary>
    public async Task<string?> StatusAsync(string endpointName, CancellationToken cancellationToken = default)
    {
        var endpoint = await api.TryCallAsync("DescribeEndpoint", Endpoint(endpointName), cancellationToken);
        if (endpoint is null)
        {
            console.MarkupLineInterpolated($"No endpoint named {endpointName}.");
            return null;
        }

        var table = new Table().AddColumns("Endpoint", "Status", "Config", "Failure");
        table.AddRow(
            Markup.Escape(endpointName), Markup.Escape((string?)endpoint["EndpointStatus"] ?? "?"),
            Markup.Escape((string?)endpoint["EndpointConfigName"] ?? ""), Markup.Escape((string?)endpoint["FailureReason"] ?? ""));
        console.Write(table);
        return (string?)endpoint["EndpointStatus"];
    }

    /// <summary>Deletes the endpoint, then its config and model; returns what was deleted (nothing when there is no endpoint).</summary>
    public async Task<IReadOnlyList<string>> DeleteAsync(string endpointName, CancellationToken cancellationToken = default)
    {
        var deleted = new List<string>();
        var endpoint = await api.TryCallAsync("DescribeEndpoint", Endpoint(endpointName), cancellationToken);
        if (endpoint is null)
        {
            console.MarkupLineInterpolated($"No endpoint named {endpointName}: nothing to delete.");
            return deleted;
        }

        var configName = (string)endpoint["EndpointConfigName"]!;
        var config = await api.TryCallAsync("DescribeEndpointConfig", Config(configName), cancellationToken);
        await api.CallAsync("DeleteEndpoint", Endpoint(endpointName), cancellationToken);
        deleted.Add($"endpoint {endpointName}");
        if (config is not null)
        {
            await api.CallAsync("DeleteEndpointConfig", Config(configName), cancellationToken);
            deleted.Add($"endpoint config {configName}");
            foreach (var variant in config["ProductionVariants"]?.AsArray() ?? [])
            {
                var model = (string)variant!["ModelName"]!;
                if (await api.TryCallAsync("DeleteModel", Model(model), cancellationToken) is not null)
                {
                    deleted.Add($"model {model}");
                }
            }
        }

        console.MarkupLineInterpolated($"Deleted {string.Join(", ", deleted)}.");
        return deleted;
    }

    private async Task WaitInServiceAsync(DeploySettings settings, string configName, CancellationToken cancellationToken)
    {
        await console.Status().StartAsync($"Waiting for {settings.EndpointName}", async context =>
        {
            for (var poll = 1; poll <= settings.MaxPolls; poll++)
            {
                var endpoint = await api.TryCallAsync("DescribeEndpoint", Endpoint(settings.EndpointName), cancellationToken)
                    ?? throw new DeployException($"Endpoint {settings.EndpointName} disappeared while deploying.");
                var status = (string?)endpoint["EndpointStatus"];
                context.Status($"{settings.EndpointName}: {status} (check {poll} of {settings.MaxPolls})");
                switch (status)
                {
                    case "InService" when (string?)endpoint["EndpointConfigName"] == configName:
                        return;
                    case "InService":
                        throw new DeployException($"Endpoint {settings.EndpointName} rolled back to {(string?)endpoint["EndpointConfigName"]}: {(string?)endpoint["FailureReason"]}");
                    case "Failed" or "UpdateRollbackFailed" or "OutOfService":
                        throw new DeployException($"Endpoint {settings.EndpointName} is {status}: {(string?)endpoint["FailureReason"]}");
                }

                await Task.Delay(settings.PollInterval, cancellationToken);
            }

            throw new DeployException($"Endpoint {settings.EndpointName} was not InService after {settings.MaxPolls} checks.");
        });
    }

    private async Task<string> DownloadAsync(string modelId, CancellationToken cancellationToken) =>
        await console.Progress().StartAsync(async context =>
        {
            var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
            return await hub.DownloadAsync(new HubRepository(modelId), "main", ModelFiles, new Progress<HubDownloadProgress>(p =>
            {
                if (!tasks.TryGetValue(p.File, out var task))
                {
                    tasks[p.File] = task = context.AddTask(p.File);
                }

                task.MaxValue = Math.Max(1, p.Total ?? p.Bytes);
                task.Value = p.Bytes;
            }), cancellationToken);
        });

    private static JsonObject Endpoint(string name) => new() { ["EndpointName"] = name };

    private static JsonObject Config(string name) => new() { ["EndpointConfigName"] = name };

    private static JsonObject Model(string name) => new() { ["ModelName"] = name };

    /// <summary><c>{endpoint}-{10 hex of SHA-256(parts)}</c>, within SageMaker's 63 characters.</summary>
    private static string Name(string endpoint, params string[] parts)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parts))))[..10];
        return $"{endpoint[..Math.Min(endpoint.Length, 52)].TrimEnd('-')}-{hash}";
    }
}

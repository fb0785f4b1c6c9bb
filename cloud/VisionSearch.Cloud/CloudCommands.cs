using System.CommandLine;
using Amazon.Runtime;
using Amazon.S3;
using Microsoft.Extensions.Logging.Abstractions;
using Spectre.Console;
using VisionSearch.Aws;
using VisionSearch.HuggingFace;

namespace VisionSearch.Cloud;

/// <summary>
/// <c>deploy | status | delete</c>. Credentials come from the standard AWS chain (environment, profile,
/// session token, SSO, instance role); <c>--sagemaker-url</c> and <c>--s3-url</c> point at other endpoints
/// (VPC endpoints, or the stand-ins the tests use).
/// </summary>
internal static class CloudCommands
{
    public static RootCommand Create(IAnsiConsole console)
    {
        var region = new Option<string?>("--region") { Description = "AWS region; default AWS_REGION, AWS_DEFAULT_REGION or the profile's." };
        var endpoint = new Option<string>("--endpoint") { DefaultValueFactory = _ => "visionsearch-clip", Description = "The endpoint's name (what Embeddings:SageMaker:EndpointName takes)." };
        var sageMakerUrl = new Option<Uri?>("--sagemaker-url") { Description = "Another SageMaker API base URL.", CustomParser = ParseUrl };
        var s3Url = new Option<Uri?>("--s3-url") { Description = "Another S3 base URL (path-style).", CustomParser = ParseUrl };

        var role = new Option<string>("--role-arn") { Required = true, Description = "The execution role SageMaker assumes (cloud/template.yaml makes one)." };
        var bucket = new Option<string>("--bucket") { Required = true, Description = "The S3 bucket for model.tar.gz (cloud/template.yaml makes one)." };
        var prefix = new Option<string>("--prefix") { DefaultValueFactory = _ => "visionsearch", Description = "Key prefix in the bucket." };
        var instanceType = new Option<string>("--instance-type") { DefaultValueFactory = _ => "ml.g5.xlarge", Description = "Instance type; ml.g*/ml.p* get the GPU image." };
        var instanceCount = new Option<int>("--instance-count") { DefaultValueFactory = _ => 1, Description = "Instances behind the endpoint." };
        var modelId = new Option<string>("--model-id") { DefaultValueFactory = _ => "openai/clip-vit-base-patch32", Description = "Hub model downloaded when --model-dir is not given (HF_TOKEN honoured)." };
        var modelDir = new Option<DirectoryInfo?>("--model-dir") { Description = "A folder with the model files (config.json, model.safetensors, preprocessor and tokenizer files)." };
        var image = new Option<string?>("--image") { Description = "Inference image; default the Hugging Face PyTorch inference image for the region and instance type." };
        var code = new Option<DirectoryInfo>("--code-dir") { DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(AppContext.BaseDirectory, "code")), Description = "inference.py and requirements.txt (model/code)." };
        var poll = new Option<TimeSpan>("--poll-interval") { DefaultValueFactory = _ => TimeSpan.FromSeconds(30), Description = "Between status checks while waiting for InService." };
        var polls = new Option<int>("--max-polls") { DefaultValueFactory = _ => 120, Description = "Status checks before giving up." };

        var deploy = new Command("deploy", "Pack, upload and deploy (or update) the endpoint, then wait for InService.")
        {
            role, bucket, prefix, instanceType, instanceCount, modelId, modelDir, image, code, poll, polls,
        };
        deploy.SetAction((result, cancellationToken) => RunAsync(console, result, region, sageMakerUrl, s3Url, async deployment =>
        {
            await deployment.DeployAsync(
                new DeploySettings
                {
                    Region = AwsEnvironment.Region(result.GetValue(region)),
                    EndpointName = result.GetValue(endpoint)!,
                    RoleArn = result.GetValue(role)!,
                    Bucket = result.GetValue(bucket)!,
                    Prefix = result.GetValue(prefix)!,
                    InstanceType = result.GetValue(instanceType)!,
                    InstanceCount = result.GetValue(instanceCount),
                    ModelId = result.GetValue(modelId)!,
                    ModelDirectory = result.GetValue(modelDir)?.FullName,
                    Image = result.GetValue(image),
                    CodeDirectory = result.GetValue(code)!.FullName,
                    PollInterval = result.GetValue(poll),
                    MaxPolls = result.GetValue(polls),
                },
                cancellationToken);
            console.WriteLine(result.GetValue(endpoint)!);
            return 0;
        }));

        var status = new Command("status", "Show the endpoint's status; exit 0 only when it is InService.");
        status.SetAction((result, cancellationToken) => RunAsync(console, result, region, sageMakerUrl, s3Url,
            async deployment => await deployment.StatusAsync(result.GetValue(endpoint)!, cancellationToken) == "InService" ? 0 : 1));

        var delete = new Command("delete", "Delete the endpoint, its endpoint config and its model.");
        delete.SetAction((result, cancellationToken) => RunAsync(console, result, region, sageMakerUrl, s3Url, async deployment =>
        {
            await deployment.DeleteAsync(result.GetValue(endpoint)!, cancellationToken);
            return 0;
        }));

        var root = new RootCommand("Deploys CLIP with VisionSearch's inference code as a SageMaker endpoint.") { deploy, status, delete };
        foreach (var shared in new Option[] { region, endpoint, sageMakerUrl, s3Url })
        {
            shared.Recursive = true;
            root.Options.Add(shared);
        }

        return root;
    }

    private static Uri? ParseUrl(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Single().Value;
        if (Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
        {
            return url;
        }

        result.AddError($"'{text}' is not an http(s) URL.");
        return null;
    }

    private static async Task<int> RunAsync(
        IAnsiConsole console, ParseResult result, Option<string?> region, Option<Uri?> sageMakerUrl, Option<Uri?> s3Url, Func<Deployment, Task<int>> action)
    {
        try
        {
            var regionName = AwsEnvironment.Region(result.GetValue(region));
            var credentials = await AwsEnvironment.CredentialsAsync();
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
            using var s3 = S3Client(credentials, regionName, result.GetValue(s3Url));
            using var hubHttp = new HttpClient(HubClient.CreateHandler()) { Timeout = Timeout.InfiniteTimeSpan };
            var api = new SageMakerApi(http, new AwsRequestSigner(credentials, regionName, "sagemaker"), result.GetValue(sageMakerUrl));
            var hub = new HubClient(hubHttp, new HubOptions(), NullLogger<HubClient>.Instance);
            return await action(new Deployment(api, new ModelUpload(s3), hub, console));
        }
        catch (Exception e) when (e is DeployException or AwsServiceException or AmazonServiceException or HubException or InvalidOperationException or IOException)
        {
            console.MarkupLineInterpolated($"[red]{e.Message}[/]");
            return 1;
        }
    }

    internal static AmazonS3Client S3Client(AWSCredentials credentials, string region, Uri? serviceUrl)
    {
        var config = serviceUrl is null
            ? new AmazonS3Config { RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(region) }
            : new AmazonS3Config
            {
                ServiceURL = serviceUrl.ToString(),
                ForcePathStyle = true,
                AuthenticationRegion = region,
                // S3-compatible servers rarely read aws-chunked bodies with checksum trailers, the 4.x default.
                RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
                ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            };
        return new AmazonS3Client(credentials, config);
    }
}

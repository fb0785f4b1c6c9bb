namespace VisionSearch.Cloud;

/// <summary>What <c>deploy</c> needs; the command line fills it (see <see cref="CloudCommands"/>).</summary>
internal sealed record DeploySettings
{
    public required string Region { get; init; }

    public required string EndpointName { get; init; }

    public string RoleArn { get; init; } = "";

    public string Bucket { get; init; } = "";

    public string Prefix { get; init; } = "visionsearch";

    public string InstanceType { get; init; } = "ml.g5.xlarge";

    public int InstanceCount { get; init; } = 1;

    public string ModelId { get; init; } = "openai/clip-vit-base-patch32";

    /// <summary>A folder with the model files instead of downloading <see cref="ModelId"/>.</summary>
    public string? ModelDirectory { get; init; }

    /// <summary>The Hugging Face inference image; null picks the one for the region and instance type.</summary>
    public string? Image { get; init; }

    public string CodeDirectory { get; init; } = Path.Combine(AppContext.BaseDirectory, "code");

    /// <summary>Between two DescribeEndpoint calls while waiting (the AWS waiter's 30 s).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>DescribeEndpoint calls before giving up (the AWS waiter's 120, one hour).</summary>
    public int MaxPolls { get; init; } = 120;

    /// <summary>
    /// The Hugging Face PyTorch inference image of the Python original (transformers 4.49, PyTorch 2.6,
    /// Python 3.12), GPU or CPU by instance family.
    /// </summary>
    public string ResolvedImage
    {
        get
        {
            if (Image is { Length: > 0 } image)
            {
                return image;
            }

            var gpu = InstanceType.StartsWith("ml.g", StringComparison.Ordinal) || InstanceType.StartsWith("ml.p", StringComparison.Ordinal);
            return $"763104351884.dkr.ecr.{Region}.amazonaws.com/huggingface-pytorch-inference:2.6.0-transformers4.49.0-"
                + (gpu ? "gpu-py312-cu124-ubuntu22.04" : "cpu-py312-ubuntu22.04");
        }
    }
}

namespace VisionSearch.HuggingFace;

/// <summary>A model or dataset repository on the Hub, e.g. <c>Xenova/clip-vit-base-patch32</c>.</summary>
public sealed record HubRepository(string Id, bool IsDataset = false)
{
    /// <summary>The URL path prefix: <c>{id}</c> for models, <c>datasets/{id}</c> for datasets.</summary>
    public string UrlPath => IsDataset ? $"datasets/{Id}" : Id;

    /// <summary>The folder in the HF cache: <c>models--org--name</c> or <c>datasets--org--name</c>.</summary>
    public string CacheFolder => (IsDataset ? "datasets--" : "models--") + Id.Replace("/", "--", StringComparison.Ordinal);

    public override string ToString() => IsDataset ? $"dataset {Id}" : Id;
}

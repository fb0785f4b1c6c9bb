namespace VisionSearch.Contracts;

/// <summary>The names of every dataset that has been built. A single instance, key 0.</summary>
[Alias("vs.IDatasetCatalogGrain")]
public interface IDatasetCatalogGrain : IGrainWithIntegerKey
{
    /// <summary>Records a dataset name (idempotent).</summary>
    [Alias("add")]
    Task AddAsync(string dataset);

    /// <summary>Forgets a dataset name (idempotent).</summary>
    [Alias("remove")]
    Task RemoveAsync(string dataset);

    /// <summary>All recorded dataset names, sorted.</summary>
    [Alias("list")]
    Task<string[]> ListAsync();
}

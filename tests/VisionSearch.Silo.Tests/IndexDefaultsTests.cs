using VisionSearch.Contracts;
using VisionSearch.Hnsw;

namespace VisionSearch.Silo.Tests;

/// <summary>The contracts' index defaults are the HNSW library's own, which cannot name them.</summary>
public sealed class IndexDefaultsTests
{
    [Fact]
    public void The_contracts_defaults_and_limit_are_the_librarys()
    {
        var library = new HnswOptions { Dimension = 1 };
        Assert.Equal((library.M, library.EfConstruction, library.Metric), (IndexDefaults.M, IndexDefaults.EfConstruction, IndexDefaults.Metric));
        Assert.Equal(ExactIndex.MaxDimension, IndexDefaults.MaxDimension);
    }
}

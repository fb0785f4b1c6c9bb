using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace VisionSearch.Silo.Grains;

/// <summary>
/// Where a build's shards activate: shard s on the s-th silo after the one that asks for it, in one fixed order of the
/// compatible silos. Only the dataset's index grain calls its shards, so shard 0 lives in the index grain's process: a
/// search or a write batch of a one-shard dataset crosses no silo boundary after the API's call, and its vectors are
/// not serialised again on the way (the grain calls pass the immutable query and batch by reference). The other
/// shards go round the cluster from there, so a sharded build still spreads over every silo.
/// </summary>
[GenerateSerializer, Immutable, Alias("vs.ShardPlacement")]
public sealed class ShardPlacement : PlacementStrategy;

/// <summary>Places a grain by <see cref="ShardPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ShardPlacementAttribute() : PlacementAttribute(new ShardPlacement());

/// <summary>Picks the silo of <see cref="ShardPlacement"/>; a key that names no shard counts as shard 0.</summary>
internal sealed class ShardPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target).ToArray();
        Array.Sort(silos);
        var here = Math.Max(Array.IndexOf(silos, context.LocalSilo), 0);
        return Task.FromResult(silos[(here + ShardKeys.ShardOf(target.GrainIdentity.Key.ToString())) % silos.Length]);
    }
}

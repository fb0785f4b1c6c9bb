namespace VisionSearch.Contracts;

/// <summary>How a build request ended. Expected outcomes are values; exceptions mean faults.</summary>
[GenerateSerializer, Alias("vs.BuildOutcome")]
public enum BuildOutcome
{
    /// <summary>A new build started.</summary>
    Started,

    /// <summary>The same build is already running or done: nothing new started.</summary>
    Unchanged,

    /// <summary>A different build of this dataset is running.</summary>
    Conflict,

    /// <summary>The request names something that cannot be read; <see cref="BuildResult.Field"/> says which part.</summary>
    Invalid,

    /// <summary>The request names a local path outside the folders the operator shares; <see cref="BuildResult.Field"/> says which part.</summary>
    Refused,
}

/// <summary>The outcome of <see cref="IDatasetIndexGrain.BuildAsync"/> and the status right after it.</summary>
[GenerateSerializer, Immutable, Alias("vs.BuildResult")]
public sealed record BuildResult(BuildOutcome Outcome, IndexStatus Status, string? Field = null, string? Message = null);

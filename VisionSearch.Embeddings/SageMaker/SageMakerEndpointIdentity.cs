using VisionSearch.Aws;

namespace VisionSearch.Embeddings.SageMaker;

/// <summary>
/// The identity of the model behind a SageMaker endpoint, for the embedding cache: region, endpoint and the endpoint
/// configuration it serves, from DescribeEndpoint. VisionSearch's deploy tool names each configuration after a hash of
/// the model archive, container, role and instances, so a redeployed model is a new configuration and a new identity.
/// Asked again once <see cref="SageMakerOptions.IdentityRefresh"/> has passed. While DescribeEndpoint fails (the role
/// lacks <c>sagemaker:DescribeEndpoint</c>, the control plane is unreachable) the identity is unknown and nothing is
/// cached; the failure is reported once per refresh, not once per batch.
/// </summary>
public sealed class SageMakerEndpointIdentity(
    SageMakerApi api, string region, string endpoint, TimeSpan refresh, TimeProvider time, Action<Exception>? onFailure = null)
{
    /// <summary>
    /// How long asking may take (the embedding waits for it) before the identity counts as unknown until the next
    /// refresh: an unreachable control plane costs a batch this much once a refresh, not a stall on every batch.
    /// </summary>
    private static readonly TimeSpan DescribeTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The last answer, or the question being asked now (one DescribeEndpoint at a time, whoever asks).</summary>
    private Task<Known>? _known;

    public async ValueTask<string?> GetAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var current = Volatile.Read(ref _known);
            if (current is { IsCompleted: false })
            {
                return (await current.WaitAsync(cancellationToken)).Identity;
            }

            if (current is not null && time.GetUtcNow() < current.Result.Expires)
            {
                return current.Result.Identity;
            }

            var asking = new TaskCompletionSource<Known>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (Interlocked.CompareExchange(ref _known, asking.Task, current) != current)
            {
                continue; // another caller is asking
            }

            string? identity = null;
            try
            {
                identity = await DescribeAsync(cancellationToken);
                return identity;
            }
            finally
            {
                // A cancelled question leaves the answer expired, for the next caller to ask again.
                asking.SetResult(new Known(identity, cancellationToken.IsCancellationRequested ? DateTimeOffset.MinValue : time.GetUtcNow() + refresh));
            }
        }
    }

    private async Task<string?> DescribeAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(DescribeTimeout);
        try
        {
            var answer = await api.CallAsync("DescribeEndpoint", new() { ["EndpointName"] = endpoint }, timeout.Token);
            return (string?)answer["EndpointConfigName"] is { Length: > 0 } config ? $"sagemaker/{region}/{endpoint}/{config}" : null;
        }
#pragma warning disable CA1031 // Whatever keeps the identity unknown (refused, unreachable, timed out, malformed) only turns the cache off.
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            onFailure?.Invoke(e);
            return null;
        }
    }

    private sealed record Known(string? Identity, DateTimeOffset Expires);
}

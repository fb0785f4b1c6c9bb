using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace VisionSearch.Aws;

/// <summary>Credentials and region as every AWS SDK finds them: environment, web identity, profile, container, instance.</summary>
public static class AwsEnvironment
{
    /// <summary>The default credential chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, AWS_PROFILE, SSO, roles, IMDS).</summary>
    public static Task<AWSCredentials> CredentialsAsync(CancellationToken cancellationToken = default) =>
        new DefaultAWSCredentialsIdentityResolver().ResolveIdentityAsync(null!, cancellationToken);

    /// <summary><paramref name="configured"/>, else AWS_REGION, AWS_DEFAULT_REGION or the profile's region.</summary>
    /// <exception cref="InvalidOperationException">No region is configured anywhere.</exception>
    public static string Region(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        return FallbackRegionFactory.GetRegionEndpoint()?.SystemName
            ?? throw new InvalidOperationException("No AWS region: set one in configuration, or AWS_REGION, or a region in the AWS profile.");
    }
}

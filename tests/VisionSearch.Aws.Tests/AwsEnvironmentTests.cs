using VisionSearch.Testing;

namespace VisionSearch.Aws.Tests;

/// <summary>The default chain's first link, the environment, as a container or CI job provides it (no other test here reads these variables).</summary>
public sealed class AwsEnvironmentTests
{
    [Fact]
    public async Task Credentials_and_region_come_from_the_environment_with_the_session_token()
    {
        using var environment = new EnvironmentScope()
            .Set("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
            .Set("AWS_SECRET_ACCESS_KEY", "secret-from-env")
            .Set("AWS_SESSION_TOKEN", "token-from-env")
            .Set("AWS_REGION", "eu-west-3");

        var credentials = await (await AwsEnvironment.CredentialsAsync()).GetCredentialsAsync();

        Assert.Equal(("AKIDFROMENV", "secret-from-env", "token-from-env"), (credentials.AccessKey, credentials.SecretKey, credentials.Token));
        Assert.Equal("eu-west-3", AwsEnvironment.Region(null));
        Assert.Equal("ap-south-1", AwsEnvironment.Region("ap-south-1"));
    }
}

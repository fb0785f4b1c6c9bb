namespace VisionSearch.Aws.Tests;

/// <summary>
/// Every header-signing case of the three suites in <c>tests/fixtures/sigv4</c> (the aws-c-auth suite's
/// query-string variants are presigned URLs, which VisionSearch never makes): the canonical request, the
/// string to sign and the signature must equal the suite's byte for byte.
/// </summary>
public sealed class SigV4Tests
{
    public static TheoryData<SigV4Case> Cases() => [.. SigV4Case.ClassicSuite(), .. SigV4Case.CrtSuite(), .. SigV4Case.S3Examples()];

    [Fact]
    public void EveryCaseOfEverySuiteIsFound() =>
        Assert.Equal((34, 38, 4), (SigV4Case.ClassicSuite().Count(), SigV4Case.CrtSuite().Count(), SigV4Case.S3Examples().Count()));

    [Theory]
    [MemberData(nameof(Cases))]
    public void SignsLikeTheSuite(SigV4Case test)
    {
        var canonical = SigV4.CanonicalRequest(test.Method, test.RequestPath, test.Query, test.Headers, test.PayloadHash, test.Normalize, out var signedHeaders);
        Assert.Equal(test.ExpectedCanonical, canonical);

        var scope = SigV4.Scope(test.SignedAt, test.Region, test.Service);
        var stringToSign = SigV4.StringToSign(test.SignedAt, scope, canonical);
        Assert.Equal(test.ExpectedStringToSign, stringToSign);
        Assert.Equal(test.ExpectedSignature, SigV4.Signature(test.SecretKey, test.SignedAt, test.Region, test.Service, stringToSign));
        Assert.Equal(test.ExpectedCanonical.Split('\n')[^2], signedHeaders);
    }
}

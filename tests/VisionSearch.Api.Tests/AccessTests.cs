using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using System.Text;
using VisionSearch.Testing;
using static VisionSearch.Api.Tests.ApiJson;

namespace VisionSearch.Api.Tests;

/// <summary>An API with a key, a rate limit and a short request timeout, as an operator would configure one.</summary>
public sealed class AccessCluster() : ApiCluster(new RedisServerFixture(), new()
{
    ["Api:ApiKey"] = AccessTests.Key,
    ["Api:RateLimitPerSecond"] = "1",
    ["Api:RateLimitBurst"] = "5",
    ["Api:RequestTimeout"] = "00:00:00.500",
});

public sealed class AccessTests(AccessCluster cluster) : IClassFixture<AccessCluster>
{
    public const string Key = "s3cret-key";

    [Fact]
    public async Task Build_and_delete_need_the_key_searches_do_not()
    {
        var path = cluster.Data.File("keyed.fvecs");
        TestVectors.WriteFvecs(path, TestVectors.Clustered(20, 4, seed: 1));
        var body = new { dataset = "keyed", location = path };

        var anonymous = await cluster.Client.PostJsonAsync("/index/build", body);
        await AssertProblemAsync(anonymous, 401);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.ToString());

        using var wrong = new HttpRequestMessage(HttpMethod.Post, "/index/build") { Content = JsonContent(body) };
        wrong.Headers.Add("X-API-Key", "guess");
        await AssertProblemAsync(await cluster.Client.SendAsync(wrong), 401);
        Assert.Empty((await (await cluster.Client.GetAsync("/datasets")).ReadJsonAsync()).AsArray()); // nothing was built

        await AssertProblemAsync(await cluster.Client.DeleteAsync("/datasets/keyed"), 401);
        using var delete = new HttpRequestMessage(HttpMethod.Delete, "/datasets/keyed");
        delete.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        await AssertProblemAsync(await cluster.Client.SendAsync(delete), 404); // through the key check: there is nothing to delete
    }

    [Fact]
    public async Task A_client_over_its_rate_gets_429_with_Retry_After_and_health_checks_are_never_limited()
    {
        // From 127.0.0.2: a client of its own, whose bucket the other tests' requests (from 127.0.0.1) do not drain.
        using var client = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        })
        { BaseAddress = cluster.Client.BaseAddress };
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 12 && limited is null; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/datasets");
            request.Headers.Add("X-API-Key", "made-up"); // a wrong key buys no bucket of its own
            var response = await client.SendAsync(request);
            limited = response.StatusCode == HttpStatusCode.TooManyRequests ? response : null;
            Assert.True(limited is not null || response.StatusCode == HttpStatusCode.OK, $"request {i}: {response.StatusCode}");
        }

        Assert.NotNull(limited);
        await AssertProblemAsync(limited, 429);
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {limited.Headers.RetryAfter}");

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/alive")).StatusCode);
        }
    }

    [Fact]
    public async Task The_request_timeout_is_configured_and_answers_504_as_a_problem()
    {
        // What the middleware does with it is ASP.NET Core's; what it is configured with, and what it writes, is ours.
        var policy = cluster.ApiServices.GetRequiredService<IOptions<RequestTimeoutOptions>>().Value.DefaultPolicy!;
        Assert.Equal((TimeSpan.FromMilliseconds(500), 504), (policy.Timeout, policy.TimeoutStatusCode));

        var context = new DefaultHttpContext { RequestServices = cluster.ApiServices };
        context.Response.Body = new MemoryStream();
        await policy.WriteTimeoutResponse!(context);
        context.Response.Body.Position = 0;
        var problem = System.Text.Json.Nodes.JsonNode.Parse(context.Response.Body)!;
        Assert.Equal((504, "application/problem+json"), ((int)problem["status"]!, context.Response.ContentType));
        Assert.Contains("Api:RequestTimeout", (string)problem["detail"]!, StringComparison.Ordinal);
    }

    private static StringContent JsonContent(object body) =>
        new(System.Text.Json.JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
}

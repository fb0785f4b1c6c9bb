using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VisionSearch.Testing;
using static VisionSearch.Api.Tests.ApiJson;

namespace VisionSearch.Api.Tests;

/// <summary>An API with a read-write and a read-only key, logging everything it would log, as a keyed server runs.</summary>
public sealed class KeyedCluster() : ApiCluster(new RedisServerFixture(), new()
{
    ["Api:ApiKey"] = AccessTests.WriteKey,
    ["Api:ReadOnlyApiKey"] = AccessTests.ReadKey,
    ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
    ["Logging:LogLevel:VisionSearch"] = "Trace",
    ["Logging:LogLevel:System.Net.Http"] = "Trace",
});

/// <summary>An API with a key, a rate limit and a short request timeout, as an operator would configure one.</summary>
public sealed class AccessCluster() : ApiCluster(new RedisServerFixture(), new()
{
    ["Api:ApiKey"] = AccessTests.WriteKey,
    ["Api:RateLimitPerSecond"] = "1",
    ["Api:RateLimitBurst"] = "5",
    ["Api:RequestTimeout"] = "00:00:00.500",
});

public sealed class AccessTests(KeyedCluster keyed, AccessCluster limited) : IClassFixture<KeyedCluster>, IClassFixture<AccessCluster>
{
    public const string WriteKey = "rw-9f2b7c41d0e6";
    public const string ReadKey = "ro-51aa03e8c2d7";

    /// <summary>Every endpoint, the access it needs (null: open to all), and a request that reaches its handler.</summary>
    public static TheoryData<string, string, string?, string?> Endpoints() => new()
    {
        { "GET", "/index/status", null, "read" },
        { "GET", "/index/status?dataset=keyed", null, "read" },
        { "GET", "/index/embedding-cache", null, "read" },
        { "POST", "/index/build", """{"dataset":"not a name","location":"/x.fvecs"}""", "write" }, // 422: past the key check, before any path
        { "GET", "/search?query=cat&dataset=keyed", null, "read" },
        { "POST", "/search", """{"dataset":"keyed","vector":[1,0,0,0]}""", "read" },
        { "GET", "/datasets", null, "read" },
        { "GET", "/datasets/keyed", null, "read" },
        { "DELETE", "/datasets/keyed", null, "write" },
        { "GET", "/datasets/keyed/items/1", null, "read" },
        { "GET", "/datasets/keyed/items/1/image", null, "read" },
        { "GET", "/health", null, null },
        { "GET", "/alive", null, null },
        { "GET", "/docs/index.html", null, null },
        { "GET", "/openapi/v1.json", null, null },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Each_endpoint_takes_the_keys_its_access_allows(string method, string url, string? body, string? access)
    {
        var none = await SendAsync(keyed.Client, method, url, body, key: null);
        var wrong = await SendAsync(keyed.Client, method, url, body, key: "guess-" + WriteKey);
        var read = await SendAsync(keyed.Client, method, url, body, ReadKey, bearer: true);
        var write = await SendAsync(keyed.Client, method, url, body, WriteKey);

        if (access is null)
        {
            Assert.All([none, wrong, read, write], s => Assert.True(s < 400, $"{method} {url}: {s}"));
            return;
        }

        Assert.Equal((401, 401), (none, wrong));
        Assert.Equal(access == "read", read is not (401 or 403)); // a read-only key reads, and is 403 where writing is needed
        Assert.Equal(access == "write" ? 403 : read, read);
        Assert.True(write is not (401 or 403), $"{method} {url} with the read-write key: {write}");
    }

    [Fact]
    public async Task A_refused_request_says_which_key_it_needs_and_invites_bearer()
    {
        var anonymous = await keyed.Client.PostJsonAsync("/index/build", new { dataset = "keyed", location = "/x.fvecs" });
        await AssertProblemAsync(anonymous, 401);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.ToString());

        using var readOnly = new HttpRequestMessage(HttpMethod.Delete, "/datasets/keyed");
        readOnly.Headers.Add("X-API-Key", ReadKey);
        var forbidden = await keyed.Client.SendAsync(readOnly);
        await AssertProblemAsync(forbidden, 403);
        Assert.Contains("read-write key (Api:ApiKey)", await forbidden.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty((await (await Keyed("/datasets", WriteKey)).ReadJsonAsync()).AsArray()); // nothing was built or deleted
    }

    [Fact]
    public async Task Keys_appear_in_no_log_line_and_no_span()
    {
        var spans = new ConcurrentQueue<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => spans.Enqueue($"{a.DisplayName} {string.Join(" ", a.TagObjects.Select(t => $"{t.Key}={t.Value}"))} {string.Join(" ", a.Baggage)}"),
        };
        ActivitySource.AddActivityListener(listener);
        foreach (var (method, url, body, _) in Endpoints().Select(row => ((string, string, string?, string?))row.Data))
        {
            foreach (var key in new[] { WriteKey, ReadKey, "guess-" + WriteKey })
            {
                await SendAsync(keyed.Client, method, url, body, key);
                await SendAsync(keyed.Client, method, url, body, key, bearer: true);
            }
        }

        Assert.NotEmpty(keyed.Logs.Lines);
        Assert.NotEmpty(spans);
        foreach (var secret in new[] { WriteKey, ReadKey })
        {
            Assert.DoesNotContain(keyed.Logs.Lines, line => line.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(spans, span => span.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Swagger_documents_the_key_scheme_and_which_operations_need_the_read_write_key()
    {
        var document = await (await keyed.Client.GetAsync("/openapi/v1.json")).ReadJsonAsync();

        var scheme = document["components"]!["securitySchemes"]!["ApiKey"]!;
        Assert.Equal(("apiKey", "header", "X-API-Key"), ((string)scheme["type"]!, (string)scheme["in"]!, (string)scheme["name"]!));
        var build = document["paths"]!["/index/build"]!["post"]!;
        Assert.NotNull(build["security"]![0]!["ApiKey"]);
        Assert.Contains("read-write key", (string)build["description"]!, StringComparison.Ordinal);
        Assert.Contains("read-only or read-write", (string)document["paths"]!["/search"]!["get"]!["description"]!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://0.0.0.0:0")]
    [InlineData("http://*:0")]
    [InlineData("http://127.0.0.1:0;http://[::]:0")]
    public void Without_a_key_the_api_refuses_to_start_on_an_address_beyond_loopback(string urls)
    {
        using var api = Api(urls, new());

        var error = Assert.ThrowsAny<Exception>(api.StartServer);

        Assert.Contains($"The API listens on", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("no key is set: set Api:ApiKey", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080", null, null)]
    [InlineData("http://localhost:5080;http://[::1]:5081", null, null)]
    [InlineData("http://0.0.0.0:5080", "Api:ReadOnlyApiKey", "k")]
    [InlineData("http://0.0.0.0:5080", "Api:AllowAnonymous", "true")]
    [InlineData(null, null, null)] // ASP.NET Core's default, http://localhost:5000
    public void On_loopback_with_a_key_or_allowed_on_purpose_the_address_check_passes(string? urls, string? setting, string? value)
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["urls"] = urls, [setting ?? "unused"] = value })
            .Build();
        var options = configuration.GetSection("Api").Get<ApiOptions>() ?? new ApiOptions();

        Assert.True(new Access.ListenGuard(configuration).Validate(null, options).Succeeded);
        Assert.False(new Access.ListenGuard(new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["http_ports"] = "8080" }).Build()).Validate(null, new ApiOptions()).Succeeded);
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
        { BaseAddress = limited.Client.BaseAddress };
        HttpResponseMessage? tooMany = null;
        for (var i = 0; i < 12 && tooMany is null; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/datasets");
            request.Headers.Add("X-API-Key", "made-up"); // a wrong key buys no bucket of its own
            var response = await client.SendAsync(request);
            tooMany = response.StatusCode == HttpStatusCode.TooManyRequests ? response : null;
            Assert.True(tooMany is not null || response.StatusCode == HttpStatusCode.Unauthorized, $"request {i}: {response.StatusCode}");
        }

        Assert.NotNull(tooMany);
        await AssertProblemAsync(tooMany, 429);
        Assert.True(tooMany.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {tooMany.Headers.RetryAfter}");

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/alive")).StatusCode);
        }
    }

    [Fact]
    public async Task The_request_timeout_is_configured_and_answers_504_as_a_problem()
    {
        // What the middleware does with it is ASP.NET Core's; what it is configured with, and what it writes, is ours.
        var policy = limited.ApiServices.GetRequiredService<IOptions<RequestTimeoutOptions>>().Value.DefaultPolicy!;
        Assert.Equal((TimeSpan.FromMilliseconds(500), 504), (policy.Timeout, policy.TimeoutStatusCode));

        var context = new DefaultHttpContext { RequestServices = limited.ApiServices };
        context.Response.Body = new MemoryStream();
        await policy.WriteTimeoutResponse!(context);
        context.Response.Body.Position = 0;
        var problem = System.Text.Json.Nodes.JsonNode.Parse(context.Response.Body)!;
        Assert.Equal((504, "application/problem+json"), ((int)problem["status"]!, context.Response.ContentType));
        Assert.Contains("Api:RequestTimeout", (string)problem["detail"]!, StringComparison.Ordinal);
    }

    private Task<HttpResponseMessage> Keyed(string url, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("X-API-Key", key);
        return keyed.Client.SendAsync(request);
    }

    private static async Task<int> SendAsync(HttpClient client, string method, string url, string? body, string? key, bool bearer = false)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        if (key is not null && bearer)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        else if (key is not null)
        {
            request.Headers.Add("X-API-Key", key);
        }

        return (int)(await client.SendAsync(request)).StatusCode;
    }

    /// <summary>An API host alone (no silo), on <paramref name="urls"/>, for what happens as it starts.</summary>
    private static WebApplicationFactory<Program> Api(string urls, Dictionary<string, string?> settings)
    {
        var api = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("urls", urls);
            web.UseSetting("ConnectionStrings:redis", "127.0.0.1:1,abortConnect=false,connectTimeout=100");
            web.UseSetting("Logging:LogLevel:Default", "None");
            foreach (var (key, value) in settings)
            {
                web.UseSetting(key, value);
            }
        });
        api.UseKestrel();
        return api;
    }
}

using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using VisionSearch.Api.Access;
using VisionSearch.Api.Endpoints;
using VisionSearch.Api.Models;
using VisionSearch.Api.Problems;
using VisionSearch.Hnsw;
using VisionSearch.ServiceDefaults;

namespace VisionSearch.Api;

/// <summary>Composes the API: Orleans client, JSON conventions, ProblemDetails and Swagger.</summary>
public static class ApiHostingExtensions
{
    /// <summary>The API as its own process: the service defaults, a client of the cluster, and the API's services.</summary>
    public static WebApplicationBuilder AddVisionSearchApi(this WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults();
        builder.AddVisionSearchClusterClient();
        return builder.AddVisionSearchApiServices();
    }

    /// <summary>
    /// The API's own services, on a host that has the service defaults and a grain factory already: a cluster client's, or a
    /// silo's when the silo serves the API itself (<c>Silo:ServeApi</c>).
    /// </summary>
    public static WebApplicationBuilder AddVisionSearchApiServices(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiOptions>()
            .BindConfiguration(ApiOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ApiOptions>, ListenGuard>();
        builder.Services.AddSingleton<ApiKeys>();
        builder.Services.AddSingleton<SearchInstruments>();
        // Kestrel and the timeout middleware take their limits from the same validated ApiOptions as the endpoints.
        // Kestrel refuses a larger body with 413 as it arrives; a multipart form adds a few hundred bytes of framing.
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<ApiOptions>>((kestrel, api) =>
            kestrel.Limits.MaxRequestBodySize = api.Value.MaxUploadBytes + (64 * 1024));
        builder.Services.AddRequestTimeouts();
        builder.Services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<ApiOptions>>((timeouts, api) =>
        {
            var timeout = api.Value.RequestTimeout;
            timeouts.DefaultPolicy = new RequestTimeoutPolicy
            {
                Timeout = timeout,
                TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
                WriteTimeoutResponse = context => TypedResults.Problem(
                    title: "The request took too long.",
                    detail: $"It was stopped after {timeout.TotalSeconds:0.###} s (Api:RequestTimeout).",
                    statusCode: StatusCodes.Status504GatewayTimeout).ExecuteAsync(context),
            };
        });
        builder.Services.AddVisionSearchRateLimiting();

        // snake_case like the Python original (dataset_repo, image_path) and like Qdrant.
        builder.Services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();

        builder.Services.AddEndpointsApiExplorer();
        builder.Services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "VisionSearch",
                Version = "v1",
                Description = "Multimodal semantic search: build an HNSW index per dataset (images, texts or vectors), then search it by text, image, vector or item. " +
                    "Errors are RFC 9457 problem details; invalid fields are 422 naming each field.",
            });
            o.AddSecurityDefinition(SecurityScheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeys.Header,
                Description = "When the server has keys (Api:ApiKey, Api:ReadOnlyApiKey), every endpoint but health and these docs needs one. " +
                    "The read-only key searches and reads status and items; the read-write key also builds and deletes. `Authorization: Bearer <key>` works too.",
            });
            o.OperationFilter<AccessOperationFilter>();
            o.IncludeXmlComments(Path.Combine(AppContext.BaseDirectory, "VisionSearch.Api.xml"));
            o.IncludeXmlComments(Path.Combine(AppContext.BaseDirectory, "VisionSearch.Contracts.xml"));
        });
        return builder;
    }

    /// <summary>The name of the API-key scheme in the OpenAPI document.</summary>
    internal const string SecurityScheme = "ApiKey";

    /// <summary>The API's middleware, then its endpoints.</summary>
    public static WebApplication MapVisionSearchApi(this WebApplication app)
    {
        app.UseVisionSearchApi();
        app.MapIndexEndpoints();
        app.MapSearchEndpoints();
        app.MapDatasetEndpoints();
        return app;
    }

    private static WebApplication UseVisionSearchApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        if (app.Services.GetRequiredService<IOptions<ApiOptions>>().Value.RateLimitPerSecond > 0)
        {
            app.UseRateLimiter();
        }

        app.UseRequestTimeouts();
        // /docs and /openapi.json are where the Python original (FastAPI) served them.
        app.UseSwagger(o => o.RouteTemplate = "openapi/{documentName}.json");
        app.UseSwaggerUI(o =>
        {
            o.RoutePrefix = "docs";
            o.SwaggerEndpoint("/openapi/v1.json", "VisionSearch v1");
            o.DocumentTitle = "VisionSearch API";
        });
        app.MapGet("/openapi.json", () => Results.Redirect("/openapi/v1.json")).ExcludeFromDescription();
        return app;
    }

    internal static void ConfigureJson(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = null;
        options.Converters.Add(new MetricJsonConverter()); // before the enum converter, which would write "inner_product"
        options.Converters.Add(new QuantizationJsonConverter()); // and "ra_bit_q"
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.Converters.Add(new VectorJsonConverter());
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
    }
}

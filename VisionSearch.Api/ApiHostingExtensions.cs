using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.OpenApi;
using VisionSearch.Api.Problems;
using VisionSearch.ServiceDefaults;

namespace VisionSearch.Api;

/// <summary>Composes the API: Orleans client, JSON conventions, ProblemDetails and Swagger.</summary>
public static class ApiHostingExtensions
{
    public static WebApplicationBuilder AddVisionSearchApi(this WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults();
        builder.AddVisionSearchClusterClient();

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
                Description = "Multimodal semantic search: build an index per dataset, then search it by vector.",
            });
            o.IncludeXmlComments(Path.Combine(AppContext.BaseDirectory, "VisionSearch.Api.xml"));
            o.IncludeXmlComments(Path.Combine(AppContext.BaseDirectory, "VisionSearch.Contracts.xml"));
        });
        return builder;
    }

    public static WebApplication UseVisionSearchApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
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
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
    }
}

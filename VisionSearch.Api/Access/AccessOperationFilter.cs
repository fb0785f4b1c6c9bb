using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace VisionSearch.Api.Access;

/// <summary>Documents each operation's key in Swagger: the security requirement (so "Authorize" sends the key) and which key it needs.</summary>
internal sealed class AccessOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var requirements = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<AccessRequirement>().ToList();
        if (requirements.Count == 0)
        {
            return;
        }

        var needed = requirements.Max(r => r.Access);
        operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiHostingExtensions.SecurityScheme, context.Document)] = [] }];
        operation.Description = (operation.Description is { Length: > 0 } d ? d + "\n\n" : "") +
            (needed == ApiAccess.Write ? "Needs the read-write key when keys are configured." : "Needs a key (read-only or read-write) when keys are configured.");
    }
}

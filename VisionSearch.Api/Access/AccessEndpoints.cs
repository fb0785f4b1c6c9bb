namespace VisionSearch.Api.Access;

/// <summary>Marks endpoints with the access they need (<see cref="ApiAccess"/>): a filter enforces it, and Swagger shows it.</summary>
internal static class AccessEndpoints
{
    public static TBuilder RequireAccess<TBuilder>(this TBuilder builder, ApiAccess access)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new AccessRequirement(access));
        return builder.AddEndpointFilter(async (context, next) =>
            context.HttpContext.RequestServices.GetRequiredService<ApiKeys>().Refusal(context.HttpContext, access) is { } refusal
                ? refusal
                : await next(context));
    }
}

/// <summary>Endpoint metadata: the access an endpoint needs.</summary>
internal sealed record AccessRequirement(ApiAccess Access);

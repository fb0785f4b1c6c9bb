using VisionSearch.Api;
using VisionSearch.Api.Endpoints;
using VisionSearch.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddVisionSearchApi();

var app = builder.Build();
app.UseVisionSearchApi();
app.MapIndexEndpoints();
app.MapSearchEndpoints();
app.MapDatasetEndpoints();
app.MapDefaultEndpoints();
app.Run();

/// <summary>The API's entry point, public so that tests can host it with WebApplicationFactory.</summary>
public partial class Program;

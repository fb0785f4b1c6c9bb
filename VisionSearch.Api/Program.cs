using VisionSearch.Api;
using VisionSearch.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddVisionSearchApi();

var app = builder.Build();
app.MapVisionSearchApi();
app.MapDefaultEndpoints();
app.Run();

/// <summary>The API's entry point, public so that tests can host it with WebApplicationFactory.</summary>
public partial class Program;

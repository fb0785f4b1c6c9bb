using VisionSearch.ServiceDefaults;
using VisionSearch.Silo;

var builder = WebApplication.CreateBuilder(args);
builder.AddVisionSearchSilo();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();

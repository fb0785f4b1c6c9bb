using VisionSearch.ServiceDefaults;

namespace VisionSearch.Silo;

// A named class rather than top-level statements: the API's Program is the one WebApplicationFactory<Program> must find.
internal static class Program
{
    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddVisionSearchSilo();

        var app = builder.Build();
        app.MapVisionSearchSilo();
        app.Run();
    }
}

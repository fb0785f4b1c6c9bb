using VisionSearch.Web;

var builder = WebApplication.CreateBuilder(args);
builder.AddVisionSearchWeb();

var app = builder.Build();
app.UseVisionSearchWeb();
app.Run();

namespace VisionSearch.Web
{
    /// <summary>The page's entry point, public so that tests can host it.</summary>
    public partial class Program;
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VisionSearch.AppHost;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddOptions<AppHostOptions>()
    .BindConfiguration(AppHostOptions.SectionName)
    .ValidateDataAnnotations()
    .ValidateOnStart();
builder.Services.AddHostedService<Orchestrator>();
builder.Build().Run();

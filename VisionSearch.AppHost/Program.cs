using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VisionSearch.AppHost;

if (AppHostSwitches.WantsHelp(args))
{
    Console.Out.WriteLine(AppHostSwitches.Help());
    return 0;
}

// appsettings.json is read from beside the AppHost, wherever it is started from; relative paths (DataDir) stay relative to the working directory.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddCommandLine(args, AppHostSwitches.Mappings);
builder.Services.AddOptions<AppHostOptions>()
    .BindConfiguration(AppHostOptions.SectionName)
    .ValidateDataAnnotations()
    .ValidateOnStart();
builder.Services.AddHostedService<Orchestrator>();
// A start-up failure is printed once, below, without the host's stack trace.
builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
try
{
    builder.Build().Run();
    return Environment.ExitCode;
}
catch (OptionsValidationException e)
{
    Console.Error.WriteLine($"Invalid settings: {string.Join(" ", e.Failures)}{Environment.NewLine}See --help.");
    return 2;
}

using Spectre.Console;
using VisionSearch.Cloud;

return await CloudCommands.Create(AnsiConsole.Console).Parse(args).InvokeAsync();

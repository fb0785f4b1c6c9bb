using VisionSearch.Bench;

return await BenchCommand.Create().Parse(args).InvokeAsync();

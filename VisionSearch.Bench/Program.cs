using VisionSearch.Bench;

return BenchCommand.Create().Parse(args).Invoke();

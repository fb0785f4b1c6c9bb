using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/VisionSearch.Benchmarks -- --filter '*'   (or a class name)
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

using SharpBpf.Benchmarks;

string suite = args.Length > 0 ? args[0] : "";
switch (suite)
{
    case "interpreter":
        return InterpreterBenchmarks.Run(args.AsSpan(1));
    case "native":
        return NativeComparisonBenchmarks.Run(args.AsSpan(1));
    default:
        Console.Error.WriteLine("usage: dotnet run -c Release --project bench/SharpBpf.Benchmarks -- interpreter|native [samples]");
        return 2;
}

using SharpBpf.Benchmarks;

// One suite per concern; each prints its own table. See docs/PERFORMANCE.md for the figures and how they were taken.
string suite = args.Length > 0 ? args[0] : "";
switch (suite)
{
    case "interpreter":
        return InterpreterBenchmarks.Run(args.AsSpan(1));
    case "maps":
        MapBenchmarks.Run(args[1..]);
        return 0;
    case "packets":
        return PacketBenchmarks.Run(args.AsSpan(1));
    case "objects":
        return ObjectBenchmarks.Run(args.AsSpan(1));
    case "verifier":
        return VerifierBenchmarks.Run(args.AsSpan(1));
    case "native":
        return NativeComparisonBenchmarks.Run(args.AsSpan(1));
    default:
        Console.Error.WriteLine("usage: dotnet run -c Release --project bench/SharpBpf.Benchmarks -- <suite> [options]");
        Console.Error.WriteLine("suites: interpreter [samples], maps [BenchmarkDotNet options], objects, verifier [samples], native [samples | overhead], packets [samples] [live]");
        return 2;
}

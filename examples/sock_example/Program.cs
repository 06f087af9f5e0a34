// The kernel's samples/bpf/sock_example.c in C#: count packets on an interface (or in a capture file) by IP
// protocol with a socket filter, printing "TCP n UDP n ICMP n" every second.
//
//   dotnet run --project examples/sock_example -- --pcap examples/sock_example/capture/loopback.pcap
//   sudo dotnet run --project examples/sock_example -- --iface lo --duration 5      (live; needs CAP_NET_RAW)
//   dotnet run --project examples/sock_example -- --elf --pcap ...                   (the C version, sock_example.bpf.o)
using System.Diagnostics;
using SharpBpf;
using SharpBpf.Attach;
using SharpBpf.Jit;
using SockExample;

string? pcap = null, elf = null, iface = "lo";
double? duration = null;
var engine = EngineChoice.Auto;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw Usage($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--pcap": pcap = Next(); break;
        case "--iface": iface = Next(); break;
        case "--elf":
            elf = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i]
                : Path.Combine(AppContext.BaseDirectory, "sock_example.bpf.o");
            break;
        case "--duration": duration = double.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
        case "--engine":
            engine = Next() switch
            {
                "auto" => EngineChoice.Auto, "jit" => EngineChoice.Jit, "interpreter" => EngineChoice.Interpreter,
                var other => throw Usage($"unknown engine '{other}' (auto, jit, interpreter)"),
            };
            break;
        case "-h" or "--help":
            Console.WriteLine("usage: sock_example [--pcap FILE | --iface NAME] [--elf [FILE.o]] [--duration SECONDS] [--engine auto|jit|interpreter]");
            return 0;
        default: throw Usage($"unknown argument '{args[i]}'");
    }
}

try
{
    using var counter = elf is null ? SockCounter.FromInstructions(engine, iface) : SockCounter.FromElf(elf, engine, iface);
    using var stop = new CancellationTokenSource();
    long endMilliseconds = duration is { } seconds ? (long)(seconds * 1000) : long.MaxValue;
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };

    if (pcap is not null)
    {
        using var reader = CaptureFile.Open(pcap);
        foreach (var record in reader)
        {
            if (stop.IsCancellationRequested) break;
            counter.Process(record);
        }
        Console.WriteLine(counter.Format());
        return 0;
    }

    using var capture = LiveCapture.Open(iface);
    var clock = Stopwatch.StartNew();
    long nextPrint = 1000;
    while (!stop.IsCancellationRequested && clock.ElapsedMilliseconds < endMilliseconds)
    {
        // Waits at most until the next line is due, so it is printed every second even when lo is quiet.
        long wait = Math.Min(nextPrint, endMilliseconds) - clock.ElapsedMilliseconds;
        if (wait > 0 && capture.TryReadNext(out var record, TimeSpan.FromMilliseconds(wait), stop.Token)) counter.Process(record);
        if (clock.ElapsedMilliseconds >= nextPrint)
        {
            Console.WriteLine(counter.Format());
            nextPrint += 1000;
        }
    }
    return 0;
}
catch (BpfException e)
{
    Console.Error.WriteLine($"sock_example: {e.Message}");
    return 1;
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine($"sock_example: {e.Message}");
    return 1;
}

static ArgumentException Usage(string message)
{
    Console.Error.WriteLine($"sock_example: {message}");
    Environment.Exit(2);
    return new ArgumentException(message);
}

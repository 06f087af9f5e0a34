using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SharpBpf.Attach;
using SharpBpf.Jit;
using SharpBpf.Loader;
using SharpBpf.Maps;
using SharpBpf.ProgramTypes;
using SharpBpf.Runtime;

namespace SharpBpf.Cli.Commands;

/// <summary>
/// <c>sharpbpf attach OBJECT.o --section S [--program NAME] --iface lo [--duration SECONDS] [--json] [--engine ...]</c>:
/// runs a socket filter, XDP or tc program on every packet of a live interface (an <c>AF_PACKET</c> socket; root or
/// CAP_NET_RAW) and prints the program's maps every second, like the kernel's sock_example, until Ctrl-C or the
/// duration. <c>--json</c> prints one JSON object per second.
/// </summary>
internal static class AttachCommand
{
    public static Command Create(CliConsole console)
    {
        var obj = new Argument<string>("OBJECT") { Description = "ELF object file" };
        var section = new Option<string?>("--section") { Description = "The ELF section of the program" };
        var programName = new Option<string?>("--program") { Description = "The program's name (default: the first packet program of the section)" };
        var iface = new Option<string>("--iface") { Description = "Network interface", DefaultValueFactory = _ => "lo" };
        var duration = new Option<double?>("--duration") { Description = "Stop after this many seconds (default: until Ctrl-C)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per second" };
        var engine = Engines.CreateOption();
        var command = new Command("attach", "Run a packet program on every packet of a live interface, printing its maps every second")
        {
            obj, section, programName, iface, duration, json, engine,
        };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(obj)!;
            if (parse.GetValue(duration) is double seconds && !(seconds > 0)) throw new CliUsageException("--duration must be more than 0");
            using var loaded = ObjectInput.Load(path, ProgramInput.ReadFile(path));
            var chosen = PacketCli.Choose(loaded, path, parse.GetValue(section), parse.GetValue(programName));
            using var pump = new PacketPump(PacketCli.Create(chosen, parse.GetValue(engine)!, console));
            using var capture = LiveCapture.Open(parse.GetValue(iface)!);
            using var stop = new CancellationTokenSource();
            // The duration and the report ticks are kept against the clock, not with timers, which a busy thread pool delays.
            long endMilliseconds = parse.GetValue(duration) is double limit ? (long)(limit * 1000) : long.MaxValue;
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; stop.Cancel(); };
            Console.CancelKeyPress += onCancel;
            try
            {
                var clock = Stopwatch.StartNew();
                long nextReport = 1000;
                bool asJson = parse.GetValue(json);
                while (true)
                {
                    bool ending = stop.IsCancellationRequested || clock.ElapsedMilliseconds >= endMilliseconds;
                    if (!ending)
                    {
                        long wait = Math.Min(nextReport, endMilliseconds) - clock.ElapsedMilliseconds;
                        while (wait > 0 && capture.TryReadNext(out var record, TimeSpan.FromMilliseconds(wait), stop.Token))
                        {
                            pump.RunVerdict(record);
                            wait = Math.Min(nextReport, endMilliseconds) - clock.ElapsedMilliseconds;
                        }
                        ending = stop.IsCancellationRequested || clock.ElapsedMilliseconds >= endMilliseconds;
                    }
                    if (clock.ElapsedMilliseconds >= nextReport || ending)
                    {
                        PacketCli.Report(console.Out, loaded, pump, clock.Elapsed.TotalSeconds, asJson);
                        nextReport = (clock.ElapsedMilliseconds / 1000 + 1) * 1000;
                    }
                    if (ending) break;
                }
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
            return CliApp.Success;
        });
        return command;
    }
}

/// <summary>What <c>attach</c> and <c>run --pcap</c> share: choosing and building the packet program, printing the report.</summary>
internal static class PacketCli
{
    /// <summary>The program to run on packets: the named one, else the first packet program of the section.</summary>
    public static LoadedProgram Choose(LoadedObject obj, string path, string? section, string? name)
    {
        var candidates = ObjectInput.ProgramsIn(obj, path, section);
        var chosen = name is null
            ? candidates.FirstOrDefault(p => PacketProgram.Supports(p.Type)) ?? candidates[0]
            : candidates.FirstOrDefault(p => p.Name == name)
              ?? throw new CliUsageException($"{path}: no program '{name}'{(section is null ? "" : $" in section '{section}'")} (programs: {string.Join(", ", candidates.Select(p => p.Name))})");
        if (!PacketProgram.Supports(chosen.Type))
            throw new CliUsageException($"program '{chosen.Name}' is a {ObjectInput.TypeName(chosen)} program; packets need a socket filter, XDP or tc program");
        return chosen;
    }

    /// <summary>Builds the packet program (context accesses rewritten, packet helpers); reports a fallback to the interpreter.</summary>
    public static PacketProgram Create(LoadedProgram program, string engine, CliConsole console)
    {
        var packet = program.CreatePacketProgram(ObjectInput.Choice(engine), out string? fallbackReason);
        if (fallbackReason is not null) console.Error.WriteLine($"sharpbpf: using the interpreter: {fallbackReason}");
        return packet;
    }

    /// <summary>Packets, verdicts and maps, as text or as one JSON object (maps as arrays of hex key/value pairs).</summary>
    public static void Report(TextWriter output, LoadedObject obj, PacketPump pump, double? seconds, bool json)
    {
        if (json)
        {
            var report = new Dictionary<string, object?>();
            if (seconds is double s) report["seconds"] = Math.Round(s, 3);
            report["packets"] = pump.Packets;
            report["verdicts"] = pump.Verdicts;
            report["maps"] = obj.Maps.ToDictionary(m => m.Name, m => (object)MapEntries(m));
            output.WriteLine(JsonSerializer.Serialize(report));
            return;
        }
        string time = seconds is double t ? string.Create(CultureInfo.InvariantCulture, $"{t:F1}s: ") : "";
        output.WriteLine($"{time}{pump.Packets} packets" + (pump.Verdicts.Count == 0 ? "" : ", " + string.Join(", ", pump.Verdicts.Select(v => $"{v.Key} {v.Value}"))));
        ObjectInput.DumpMaps(obj, output);
        output.Flush();
    }

    /// <summary>A map's entries as hex (arrays: the slots that are not all zero); empty for maps without a key/value listing.</summary>
    public static IReadOnlyList<Dictionary<string, string>> MapEntries(BpfMap map)
    {
        if (map is RingBufferMap or QueueStackMap or ProgramArrayMap or PerfEventArrayMap or BloomFilterMap) return [];
        var entries = new List<Dictionary<string, string>>();
        foreach (var (key, value) in map.Entries)
        {
            if (map.Type is MapType.Array or MapType.PerCpuArray && value.AsSpan().IndexOfAnyExcept((byte)0) < 0) continue;
            entries.Add(new Dictionary<string, string> { ["key"] = ObjectInput.Hex(key), ["value"] = ObjectInput.Hex(value) });
        }
        return entries;
    }
}

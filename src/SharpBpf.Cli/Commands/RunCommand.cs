using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SharpBpf.Attach;
using SharpBpf.Jit;
using SharpBpf.Loader;
using SharpBpf.Runtime;

namespace SharpBpf.Cli.Commands;

/// <summary>
/// <c>sharpbpf run PROGRAM [--mem FILE | --mem-hex HEX] [--engine ...] [--repeat N] [--json]</c>: runs raw
/// bytecode or assembly text as the raw memory program type (r1 = memory, r2 = its length) and prints r0.
/// <c>sharpbpf run OBJECT.o [--section S] [--program NAME] [--dump-maps] ...</c> loads an object file (maps created,
/// standard helpers) and runs one of its raw-memory programs (the global functions of a <c>.text</c>-only object;
/// default the first), or any program with <c>--raw</c>. <c>sharpbpf run OBJECT.o --section S --pcap FILE [--out FILE.pcap]</c>
/// runs a socket filter, XDP or tc program on every packet of a capture and prints the verdict counts and the maps.
/// Objects are verified on load unless <c>--no-verify</c> is given.
/// </summary>
internal static class RunCommand
{
    public static Command Create(CliConsole console)
    {
        var program = new Argument<string>("PROGRAM") { Description = "Raw bytecode or assembly text" };
        var mem = new Option<string?>("--mem") { Description = "File whose bytes are the program's memory" };
        var memHex = new Option<string?>("--mem-hex") { Description = "The program's memory as hex bytes, e.g. \"00 01 ff\"" };
        var engine = Engines.CreateOption();
        var repeat = new Option<int>("--repeat") { Description = "Time N runs after a warm-up; print median and minimum ns per run", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var budget = new Option<long>("--budget") { Description = "Instruction budget per run (0 = unlimited)", DefaultValueFactory = _ => ExecutionOptions.DefaultInstructionBudget };
        var syntax = new Option<string?>("--syntax") { Description = "Assembly syntax when PROGRAM is text (default: detected)" };
        syntax.AcceptOnlyFromAmong("conformance", "llvm");
        var section = new Option<string?>("--section") { Description = "Object files: the ELF section of the program" };
        var programName = new Option<string?>("--program") { Description = "Object files: the program's name (default: the first of the section)" };
        var dumpMaps = new Option<bool>("--dump-maps") { Description = "Object files: print every map afterwards" };
        var raw = new Option<bool>("--raw") { Description = "Object files: run a typed program (socket, xdp, ...) as the raw memory type anyway" };
        var noVerify = new Option<bool>("--no-verify") { Description = "Object files: load as trusted code, without the verifier (runtime checks stay on)" };
        var pcap = new Option<string?>("--pcap") { Description = "Object files: run a socket filter, XDP or tc program on every packet of this pcap/pcapng file" };
        var outFile = new Option<string?>("--out") { Description = "With --pcap: write the packets that pass (XDP_PASS/XDP_TX, TC_ACT_OK, socket filter kept/truncated) to this pcap file" };
        var command = new Command("run", "Run an eBPF program on memory and print r0")
        {
            program, mem, memHex, engine, repeat, json, budget, syntax, section, programName, dumpMaps, raw, noVerify, pcap, outFile,
        };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(program)!;
            byte[] input = ProgramInput.ReadFile(path);
            if (parse.GetValue(mem) is not null && parse.GetValue(memHex) is not null)
                throw new CliUsageException("give either --mem or --mem-hex, not both");
            byte[] memory = parse.GetValue(mem) is { } memPath ? ProgramInput.ReadFile(memPath)
                : parse.GetValue(memHex) is { } hex ? ProgramInput.ParseHex(hex, "--mem-hex") : [];
            int runs = parse.GetValue(repeat);
            if (runs < 0) throw new CliUsageException("--repeat must be 0 or more");
            long instructionBudget = parse.GetValue(budget);
            if (instructionBudget < 0) throw new CliUsageException("--budget must be 0 or more");
            string engineName = parse.GetValue(engine)!;
            var executionOptions = new ExecutionOptions { InstructionBudget = instructionBudget };
            if (parse.GetValue(outFile) is not null && parse.GetValue(pcap) is null) throw new CliUsageException("--out needs --pcap");
            if (parse.GetValue(pcap) is { } capturePath)
            {
                if (!ProgramInput.IsElf(input)) throw new CliUsageException("--pcap runs a program of an object file; PROGRAM is not an ELF object");
                if (memory.Length > 0 || runs > 0 || parse.GetValue(raw)) throw new CliUsageException("--pcap cannot be combined with --mem, --mem-hex, --repeat or --raw");
                using var loaded = ObjectInput.Load(path, input, new LoadOptions { Execution = executionOptions, Verify = !parse.GetValue(noVerify) });
                var chosen = PacketCli.Choose(loaded, path, parse.GetValue(section), parse.GetValue(programName));
                return RunCapture(console, loaded, PacketCli.Create(chosen, engineName, console), capturePath, parse.GetValue(outFile), parse.GetValue(json));
            }
            LoadedObject? obj = null;
            BpfExecutable executable;
            if (ProgramInput.IsElf(input))
            {
                obj = ObjectInput.Load(path, input, new LoadOptions { Execution = executionOptions, Verify = !parse.GetValue(noVerify) });
                var chosen = ChooseProgram(obj, path, parse.GetValue(section), parse.GetValue(programName));
                if (!chosen.IsRawMemory && !parse.GetValue(raw))
                    throw new CliUsageException($"program '{chosen.Name}' is a {chosen.Type} program, which needs that program type's context; run it with --raw to give it the memory instead");
                // The object's execution options apply; verified programs run unchecked on the JIT (short memory bounds-checked).
                var selected = chosen.CreateExecutable(ObjectInput.Choice(engineName));
                if (selected.FallbackReason is not null) console.Error.WriteLine($"sharpbpf: using the interpreter: {selected.FallbackReason}");
                executable = selected.Executable;
            }
            else
            {
                if (parse.GetValue(section) is not null || parse.GetValue(programName) is not null || parse.GetValue(dumpMaps) || parse.GetValue(raw))
                    throw new CliUsageException("--section, --program, --dump-maps and --raw apply to object files only");
                var code = ProgramInput.LoadBytecode(path, input, ProgramInput.ParseSyntax(parse.GetValue(syntax)));
                executable = Engines.Create(engineName, code, Engines.DefaultHelpers(), executionOptions, console.Error);
            }
            using var owner = obj;

            var work = (byte[])memory.Clone();
            ulong r0 = executable.Run(work);
            double medianNs = 0, minNs = 0;
            if (runs > 0) (medianNs, minNs) = Time(executable, memory, work, runs);

            if (parse.GetValue(json))
            {
                var result = new Dictionary<string, object?>
                {
                    ["r0"] = r0,
                    ["engine"] = executable.EngineName,
                    ["runs"] = runs,
                    ["median_ns"] = runs > 0 ? Math.Round(medianNs, 1) : null,
                    ["min_ns"] = runs > 0 ? Math.Round(minNs, 1) : null,
                };
                if (obj is not null && parse.GetValue(dumpMaps))
                {
                    var maps = new StringWriter();
                    ObjectInput.DumpMaps(obj, maps);
                    result["maps"] = maps.ToString();
                }
                console.Out.WriteLine(JsonSerializer.Serialize(result));
            }
            else
            {
                console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"r0 = {r0} (0x{r0:x})"));
                if (runs > 0)
                    console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{executable.EngineName}: {runs} runs, median {medianNs:F1} ns, min {minNs:F1} ns per run"));
                if (obj is not null && parse.GetValue(dumpMaps)) ObjectInput.DumpMaps(obj, console.Out);
            }
            return CliApp.Success;
        });
        return command;
    }

    /// <summary>
    /// Runs the program on every packet of the capture, writes the passing ones to <paramref name="outPath"/>, prints
    /// the verdicts and the maps. A corrupt record stops the run after the packets before it were processed and
    /// reported; its error then exits 2.
    /// </summary>
    private static int RunCapture(CliConsole console, LoadedObject obj, ProgramTypes.PacketProgram program, string capturePath, string? outPath, bool json)
    {
        using var pump = new PacketPump(program);
        using var reader = CaptureFile.Open(capturePath);
        PcapWriter? writer = null;
        BpfCaptureException? corrupt = null;
        bool showProgress = ReferenceEquals(console.Error, Console.Error) && !Console.IsErrorRedirected;
        var clock = Stopwatch.StartNew();
        long nextProgress = 500;
        try
        {
            while (true)
            {
                PacketRecord record;
                try
                {
                    if (!reader.TryReadNext(out record)) break;
                }
                catch (BpfCaptureException e)
                {
                    corrupt = e;
                    break;
                }
                if (outPath is null)
                {
                    pump.RunVerdict(record);
                }
                else if (pump.Run(record) is var result && PacketPump.Passes(program.Type, result))
                {
                    writer ??= OpenWriter(outPath, record.LinkType);
                    int wire = program.Type == ProgramTypes.BpfProgramType.SocketFilter
                        ? Math.Max(record.OriginalLength, result.Packet.Length)
                        : result.Packet.Length + Math.Max(0, record.OriginalLength - record.CapturedLength);
                    writer.Write(record.TimestampNanoseconds, result.Packet, wire);
                }
                if (showProgress && (pump.Packets & 1023) == 0 && clock.ElapsedMilliseconds >= nextProgress)
                {
                    console.Error.Write(string.Create(CultureInfo.InvariantCulture, $"\r{pump.Packets:N0} packets, {pump.Packets / clock.Elapsed.TotalSeconds:N0}/s "));
                    nextProgress = clock.ElapsedMilliseconds + 250;
                }
            }
            if (outPath is not null) writer ??= OpenWriter(outPath, LinkType.Ethernet);
        }
        finally
        {
            writer?.Dispose();
            if (showProgress && nextProgress > 500) console.Error.Write("\r\u001b[K");
        }
        PacketCli.Report(console.Out, obj, pump, null, json);
        if (corrupt is not null) throw corrupt;
        return CliApp.Success;
    }

    private static PcapWriter OpenWriter(string path, LinkType linkType)
    {
        try
        {
            return PcapWriter.Create(path, linkType);
        }
        catch (IOException e)
        {
            throw new CliUsageException($"cannot write '{path}': {e.Message}");
        }
    }

    private static LoadedProgram ChooseProgram(LoadedObject obj, string path, string? section, string? name)
    {
        var candidates = ObjectInput.ProgramsIn(obj, path, section);
        if (name is null) return candidates[0];
        return candidates.FirstOrDefault(p => p.Name == name)
            ?? throw new CliUsageException($"{path}: no program '{name}'{(section is null ? "" : $" in section '{section}'")} (programs: {string.Join(", ", candidates.Select(p => p.Name))})");
    }

    /// <summary>
    /// Runs the program exactly <paramref name="runs"/> times after a warm-up and returns the median and minimum ns per
    /// run. A short program runs faster than the clock's granularity here, so consecutive runs are timed in groups
    /// (each ~2 µs or more, with at least 10 groups when there are enough runs) and each group gives its mean; the
    /// memory is restored before every run, and the cost of that restore, measured alone, is subtracted.
    /// </summary>
    private static (double Median, double Min) Time(BpfExecutable executable, byte[] original, byte[] work, int runs)
    {
        int warmup = Math.Clamp(runs / 10, 1, 1000);
        long warmupStart = Stopwatch.GetTimestamp();
        for (int i = 0; i < warmup; i++)
        {
            original.CopyTo(work, 0);
            executable.Run(work);
        }
        double perRunNs = Math.Max(Stopwatch.GetElapsedTime(warmupStart).TotalNanoseconds / warmup, 1);

        // The cost of restoring the memory, subtracted from each sample: the fastest of several batches, so a batch
        // that was preempted cannot inflate it past the runs it is subtracted from.
        double restoreNs = double.MaxValue;
        for (int batch = 0; batch < 20; batch++)
        {
            long restoreStart = Stopwatch.GetTimestamp();
            for (int i = 0; i < 50; i++) original.CopyTo(work, 0);
            restoreNs = Math.Min(restoreNs, Stopwatch.GetElapsedTime(restoreStart).TotalNanoseconds / 50);
        }

        int group = (int)Math.Clamp(2_000 / perRunNs, 1, Math.Max(1, runs / 10));
        var samples = new List<double>(runs / group + 1);
        for (int done = 0; done < runs; done += group)
        {
            int count = Math.Min(group, runs - done);
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < count; i++)
            {
                original.CopyTo(work, 0);
                executable.Run(work);
            }
            samples.Add(Math.Max(Stopwatch.GetElapsedTime(start).TotalNanoseconds / count - restoreNs, 0));
        }
        samples.Sort();
        return (samples[samples.Count / 2], samples[0]);
    }
}

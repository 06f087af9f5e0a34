using System.Globalization;
using System.Text;
using SharpBpf.Asm;
using SharpBpf.Elf;
using SharpBpf.Isa;
using SharpBpf.Jit;
using SharpBpf.Loader;
using SharpBpf.Maps;

namespace SharpBpf.Cli.Commands;

/// <summary>Loading object files for the commands, and the listings and tables they print.</summary>
internal static class ObjectInput
{
    /// <summary>The engine choice an <c>--engine</c> value names.</summary>
    public static EngineChoice Choice(string engine) => engine switch
    {
        "auto" => EngineChoice.Auto,
        "jit" => EngineChoice.Jit,
        "interpreter" => EngineChoice.Interpreter,
        _ => throw new CliUsageException($"unknown engine '{engine}'"),
    };

    public static LoadedObject Load(string path, byte[] bytes, LoadOptions? options = null)
    {
        try
        {
            return LoadedObject.Load(bytes, options);
        }
        catch (BpfException e) when (e is BpfElfException or BpfLoadException)
        {
            throw new CliUsageException($"{path}: {e.Message}");
        }
    }

    /// <summary>The programs of <paramref name="section"/> (all when null); a section with none is a usage error.</summary>
    public static IReadOnlyList<LoadedProgram> ProgramsIn(LoadedObject obj, string path, string? section)
    {
        var programs = obj.Programs.Where(p => section is null || p.SectionName == section).ToList();
        if (programs.Count == 0)
            throw new CliUsageException(section is null ? $"{path}: the object has no programs"
                : $"{path}: no program in section '{section}' (sections: {string.Join(", ", obj.Programs.Select(p => p.SectionName).Distinct())})");
        return programs;
    }

    /// <summary>A program's listing: source lines as comments where they change, map names at <c>lddw</c>.</summary>
    public static string Disassemble(LoadedProgram program)
    {
        var code = program.Source.Bytecode;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{program.Name} (section {program.SectionName}, {TypeName(program)}, {code.Length} instructions):\n");
        var lines = program.Source.Lines.ToDictionary(l => l.InstructionIndex);
        var functionStarts = program.Source.Functions.Skip(1).ToDictionary(f => f.StartIndex);
        Elf.BpfSourceLine? previous = null;
        for (int i = 0; i < code.Length; i++)
        {
            var form = code.FormAt(i);
            if (form is null) continue;
            if (functionStarts.TryGetValue(i, out var function)) text.Append(CultureInfo.InvariantCulture, $"{function.Name} ({function.SectionName}):\n");
            // Line info often repeats the line for each statement piece; print a line where it changes.
            if (lines.TryGetValue(i, out var line) && (line.FileName, line.Line) != (previous?.FileName, previous?.Line))
            {
                text.Append(CultureInfo.InvariantCulture, $"; {line.FileName}:{line.Line}: {line.SourceText.Trim()}\n");
                previous = line;
            }
            text.Append(i.ToString(CultureInfo.InvariantCulture).PadLeft(6)).Append(":  ").Append(Disassembler.Format(code, i, AsmSyntax.Llvm));
            if (program.MapReferences.TryGetValue(i, out var reference))
                text.Append(reference.Kind == MapReferenceKind.Map ? $" ; map {reference.Map.Name}" : $" ; map {reference.Map.Name} value + {reference.Offset}");
            else if (form.Operation == Operation.LoadImm64 && (LoadImm64Source)form.DiscriminatorValue == LoadImm64Source.CodeAddress)
            {
                int target = i + 1 + code.Instructions[i].Immediate;
                var callee = program.Source.Functions.FirstOrDefault(f => f.StartIndex == target);
                text.Append(CultureInfo.InvariantCulture, $" ; function {callee?.Name ?? target.ToString(CultureInfo.InvariantCulture)}");
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    public static string TypeName(LoadedProgram program) => program.IsRawMemory ? "raw memory" : program.Type.ToString();

    /// <summary>Every map as a table: keys and values in hex, per-CPU values one column per CPU, ring buffers as their pending record count.</summary>
    public static void DumpMaps(LoadedObject obj, TextWriter output)
    {
        foreach (var map in obj.Maps)
        {
            output.WriteLine($"map {map.Name} ({map.Type}, key {map.KeySize}, value {map.ValueSize}, max {map.MaxEntries}):");
            switch (map)
            {
                case RingBufferMap ring:
                    output.WriteLine($"  pending records: {CountPending(ring)} ({ring.AvailableData} bytes)");
                    break;
                case QueueStackMap or ProgramArrayMap or PerfEventArrayMap or BloomFilterMap:
                    output.WriteLine(map is ProgramArrayMap programs
                        ? $"  slots in use: {string.Join(", ", Enumerable.Range(0, programs.MaxEntries).Where(i => programs.Get((uint)i) is not null))}"
                        : "  (no key/value listing for this type)");
                    break;
                default:
                    DumpEntries(map, output);
                    break;
            }
        }
    }

    private static void DumpEntries(BpfMap map, TextWriter output)
    {
        var header = new List<string> { "key" };
        if (map.IsPerCpu) header.AddRange(Enumerable.Range(0, BpfCpu.Count).Select(c => $"cpu{c}"));
        else header.Add("value");
        var rows = new List<string[]>();
        int stride = (map.ValueSize + 7) & ~7;
        foreach (var (key, value) in map.Entries)
        {
            // Arrays list every slot; show only those that are not all zero to keep big arrays readable.
            if (map.Type is MapType.Array or MapType.PerCpuArray && value.AsSpan().IndexOfAnyExcept((byte)0) < 0) continue;
            var row = new List<string> { Hex(key) };
            if (map.IsPerCpu)
                for (int cpu = 0; cpu < BpfCpu.Count; cpu++) row.Add(Hex(value.AsSpan(cpu * stride, map.ValueSize)));
            else if (map is ArrayOfMapsMap or HashOfMapsMap)
                row.Add($"map id {BitConverter.ToUInt32(value)} ({BpfMap.TryFromId(BitConverter.ToUInt32(value))?.Name ?? "?"})");
            else row.Add(Hex(value));
            rows.Add(row.ToArray());
        }
        if (rows.Count == 0)
        {
            output.WriteLine("  (empty)");
            return;
        }
        var widths = header.Select((h, c) => Math.Max(h.Length, rows.Max(r => r[c].Length))).ToArray();
        output.WriteLine("  " + string.Join("  ", header.Select((h, c) => h.PadRight(widths[c]))).TrimEnd());
        foreach (var row in rows) output.WriteLine("  " + string.Join("  ", row.Select((v, c) => v.PadRight(widths[c]))).TrimEnd());
    }

    private static int CountPending(RingBufferMap ring)
    {
        // Counting by consuming would drop the records; walking the headers from the consumer position does not.
        long position = ring.ConsumerPosition, end = ring.ProducerPosition;
        int count = 0;
        var data = ring.Regions.Count > 0 ? ring.Regions[0] : default;
        while (position < end && data.Length > 0)
        {
            uint header = (uint)System.Runtime.InteropServices.Marshal.ReadInt32((nint)(data.Start + (ulong)(position & (ring.Size - 1))));
            uint length = header & ~(RingBufferMap.BusyBit | RingBufferMap.DiscardBit);
            if ((header & RingBufferMap.DiscardBit) == 0) count++;
            position += (RingBufferMap.HeaderSize + length + 7) & ~7;
        }
        return count;
    }

    public static string Hex(ReadOnlySpan<byte> bytes) => bytes.IsEmpty ? "-" : Convert.ToHexString(bytes).ToLowerInvariant();
}

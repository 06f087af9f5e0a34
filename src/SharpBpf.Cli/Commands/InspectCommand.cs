using System.CommandLine;
using System.Globalization;
using SharpBpf.Btf;

namespace SharpBpf.Cli.Commands;

/// <summary>
/// <c>sharpbpf inspect OBJECT.o</c>: loads an object (creating its maps) and lists its programs, maps, relocations
/// and a BTF summary. Exits 0 when it loads, 2 with the error when it does not.
/// </summary>
internal static class InspectCommand
{
    public static Command Create(CliConsole console)
    {
        var file = new Argument<string>("OBJECT") { Description = "A clang-compiled BPF object file (.o)" };
        var command = new Command("inspect", "List an object file's programs, maps, relocations and BTF") { file };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(file)!;
            using var obj = ObjectInput.Load(path, ProgramInput.ReadFile(path));
            var output = console.Out;
            var o = obj.Object;
            output.WriteLine($"object {Path.GetFileName(path)}: license {o.License ?? "(none)"}{(o.KernelVersion is { } v ? $", kernel version 0x{v:x}" : "")}");

            output.WriteLine($"programs ({obj.Programs.Count}):");
            Table(output, ["section", "name", "type", "insns"],
                obj.Programs.Select(p => new[] { p.SectionName, p.Name, ObjectInput.TypeName(p), p.Code.Length.ToString(CultureInfo.InvariantCulture) }));

            output.WriteLine($"maps ({obj.Maps.Count}):");
            Table(output, ["name", "type", "key", "value", "max_entries", "flags"],
                obj.Maps.Select(m => new[]
                {
                    m.Name, m.Type.ToString(), m.KeySize.ToString(CultureInfo.InvariantCulture), m.ValueSize.ToString(CultureInfo.InvariantCulture),
                    m.MaxEntries.ToString(CultureInfo.InvariantCulture), $"0x{m.Definition.Flags:x}",
                }));

            output.WriteLine($"relocations ({o.Relocations.Count}):");
            Table(output, ["program", "insn", "kind", "symbol", "target"],
                o.Relocations.Select(r => new[]
                {
                    r.ProgramName, r.InstructionIndex.ToString(CultureInfo.InvariantCulture), r.Kind.ToString(), r.SymbolName,
                    r.MapIndex is { } index ? (r.Kind == Elf.BpfRelocationKind.GlobalData ? $"{o.Maps[index].Name} + {r.Target}" : o.Maps[index].Name)
                        : $"insn {r.Target}",
                }));

            if (o.Btf is { } btf)
            {
                var kinds = btf.Types.Where(t => t.Kind != BtfKind.Void).GroupBy(t => t.Kind).OrderBy(g => g.Key)
                    .Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}");
                output.WriteLine($"btf: {btf.Types.Count(t => t.Kind != BtfKind.Void)} types ({string.Join(", ", kinds)})");
                if (o.BtfExt is { } ext)
                    output.WriteLine($"btf.ext: {ext.FunctionInfo.Values.Sum(f => f.Count)} func info, {ext.LineInfo.Values.Sum(l => l.Count)} line info records in {ext.LineInfo.Count} sections");
            }
            else output.WriteLine("btf: none");
            return CliApp.Success;
        });
        return command;
    }

    private static void Table(TextWriter output, string[] header, IEnumerable<string[]> rows)
    {
        var all = rows.ToList();
        if (all.Count == 0) return;
        var widths = header.Select((h, c) => Math.Max(h.Length, all.Max(r => r[c].Length))).ToArray();
        output.WriteLine("  " + string.Join("  ", header.Select((h, c) => h.PadRight(widths[c]))).TrimEnd());
        foreach (var row in all) output.WriteLine("  " + string.Join("  ", row.Select((v, c) => v.PadRight(widths[c]))).TrimEnd());
    }
}

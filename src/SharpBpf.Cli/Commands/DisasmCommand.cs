using System.CommandLine;
using SharpBpf.Asm;

namespace SharpBpf.Cli.Commands;

/// <summary>
/// <c>sharpbpf disasm FILE [--syntax conformance|llvm]</c>: raw bytecode to text with instruction offsets.
/// <c>sharpbpf disasm OBJECT.o [--section S]</c>: each program of an object file, with map names at <c>lddw</c> and
/// the C source lines interleaved when the object has BTF line info.
/// </summary>
internal static class DisasmCommand
{
    public static Command Create(CliConsole console)
    {
        var file = new Argument<string>("FILE") { Description = "Raw bytecode file or BPF object file (.o)" };
        var section = new Option<string?>("--section") { Description = "Object files: only the programs of this ELF section" };
        var syntax = new Option<string>("--syntax") { Description = "Output syntax: llvm or conformance", DefaultValueFactory = _ => "llvm" };
        syntax.AcceptOnlyFromAmong("conformance", "llvm");
        var command = new Command("disasm", "Disassemble raw eBPF bytecode") { file, syntax, section };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(file)!;
            byte[] bytes = ProgramInput.ReadFile(path);
            if (ProgramInput.IsElf(bytes))
            {
                using var obj = ObjectInput.Load(path, bytes);
                var programs = ObjectInput.ProgramsIn(obj, path, parse.GetValue(section));
                for (int i = 0; i < programs.Count; i++)
                {
                    if (i > 0) console.Out.WriteLine();
                    console.Out.Write(ObjectInput.Disassemble(programs[i]));
                }
                return CliApp.Success;
            }
            if (parse.GetValue(section) is not null) throw new CliUsageException("--section applies to object files only");
            var chosen = ProgramInput.ParseSyntax(parse.GetValue(syntax)) ?? AsmSyntax.Llvm;
            var code = ProgramInput.LoadBytecode(path, bytes, chosen);
            console.Out.Write(Disassembler.Disassemble(code, chosen, new DisassemblyOptions { ShowOffsets = true }));
            return CliApp.Success;
        });
        return command;
    }
}

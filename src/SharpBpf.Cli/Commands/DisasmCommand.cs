using System.CommandLine;
using SharpBpf.Asm;

namespace SharpBpf.Cli.Commands;

/// <summary><c>sharpbpf disasm FILE [--syntax conformance|llvm]</c>: raw bytecode to text with instruction offsets.</summary>
internal static class DisasmCommand
{
    public static Command Create(CliConsole console)
    {
        var file = new Argument<string>("FILE") { Description = "Raw bytecode file" };
        var syntax = new Option<string>("--syntax") { Description = "Output syntax: llvm or conformance", DefaultValueFactory = _ => "llvm" };
        syntax.AcceptOnlyFromAmong("conformance", "llvm");
        var command = new Command("disasm", "Disassemble raw eBPF bytecode") { file, syntax };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(file)!;
            byte[] bytes = ProgramInput.ReadFile(path);
            var chosen = ProgramInput.ParseSyntax(parse.GetValue(syntax)) ?? AsmSyntax.Llvm;
            var code = ProgramInput.LoadBytecode(path, bytes, chosen);
            console.Out.Write(Disassembler.Disassemble(code, chosen, new DisassemblyOptions { ShowOffsets = true }));
            return CliApp.Success;
        });
        return command;
    }
}

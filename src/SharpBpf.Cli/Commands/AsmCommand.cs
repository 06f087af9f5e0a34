using System.CommandLine;
using System.Text;
using SharpBpf.Asm;

namespace SharpBpf.Cli.Commands;

/// <summary><c>sharpbpf asm FILE [-o OUT] [--syntax conformance|llvm]</c>: assembly text to raw bytecode.</summary>
internal static class AsmCommand
{
    public static Command Create(CliConsole console)
    {
        var file = new Argument<string>("FILE") { Description = "Assembly source file" };
        var output = new Option<string?>("--output", "-o") { Description = "Output file for the raw bytecode (default: FILE with extension .bin)" };
        var syntax = new Option<string?>("--syntax") { Description = "Input syntax: conformance or llvm (default: detected)" };
        syntax.AcceptOnlyFromAmong("conformance", "llvm");
        var command = new Command("asm", "Assemble eBPF assembly text into raw bytecode") { file, output, syntax };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(file)!;
            string text = Encoding.UTF8.GetString(ProgramInput.ReadFile(path));
            var chosen = ProgramInput.ParseSyntax(parse.GetValue(syntax)) ?? Assembler.DetectSyntax(text);
            var code = Assembler.Assemble(text, chosen);
            string target = parse.GetValue(output) ?? Path.ChangeExtension(path, ".bin");
            File.WriteAllBytes(target, code.ToBytes());
            console.Out.WriteLine($"{target}: {code.Length} instructions ({code.Length * 8} bytes)");
            return CliApp.Success;
        });
        return command;
    }
}

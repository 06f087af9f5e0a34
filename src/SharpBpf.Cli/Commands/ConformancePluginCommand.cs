using System.CommandLine;
using SharpBpf.Isa;
using SharpBpf.Runtime;

namespace SharpBpf.Cli.Commands;

/// <summary>
/// <c>sharpbpf conformance-plugin [MEMHEX] [--engine ...]</c>: the bpf_conformance plugin protocol. The program
/// arrives as one line of hex bytes on stdin; r0 is printed in hex. Any failure exits non-zero with the error text.
/// </summary>
internal static class ConformancePluginCommand
{
    public static Command Create(CliConsole console)
    {
        var memory = new Argument<string?>("MEMHEX") { Description = "Input memory as hex bytes separated by spaces", Arity = ArgumentArity.ZeroOrOne };
        var engine = Engines.CreateOption();
        var command = new Command("conformance-plugin", "Run one program for the bpf_conformance suite's runner (program as hex on stdin)") { memory, engine };
        command.SetAction(parse =>
        {
            byte[] program = ProgramInput.ParseHex(console.In.ReadToEnd(), "program on stdin");
            byte[] mem = parse.GetValue(memory) is { } hex ? ProgramInput.ParseHex(hex, "MEMHEX") : [];
            Bytecode code;
            try
            {
                code = Bytecode.Decode(program);
            }
            catch (BpfDecodeException e)
            {
                console.Out.WriteLine(e.Message);
                return CliApp.ProgramFault;
            }
            var executable = Engines.Create(parse.GetValue(engine)!, code, Engines.DefaultHelpers(), new ExecutionOptions());
            try
            {
                ulong r0 = executable.Run(mem);
                console.Out.WriteLine($"{r0:x}");
                return CliApp.Success;
            }
            catch (BpfRuntimeException e)
            {
                console.Out.WriteLine(e.Message);
                return CliApp.ProgramFault;
            }
        });
        return command;
    }
}

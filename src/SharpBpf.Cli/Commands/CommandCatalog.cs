using System.CommandLine;

namespace SharpBpf.Cli.Commands;

/// <summary>All of the tool's subcommands.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> Create(CliConsole console) =>
    [
        AsmCommand.Create(console),
        DisasmCommand.Create(console),
        RunCommand.Create(console),
        AttachCommand.Create(console),
        InspectCommand.Create(console),
        ConformancePluginCommand.Create(console),
        VerifyCommand.Create(console),
        GenCommand.Create(console),
    ];
}

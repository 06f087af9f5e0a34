using System.CommandLine;
using SharpBpf.Cli.Commands;
using SharpBpf.Runtime;

namespace SharpBpf.Cli;

/// <summary>
/// Entry point of the <c>sharpbpf</c> tool. Exit codes: 0 success, 1 the program faulted at run time,
/// 2 a user error (bad arguments, unreadable or malformed input), printed as one line on stderr.
/// </summary>
public static class CliApp
{
    /// <summary>Exit code for success.</summary>
    public const int Success = 0;
    /// <summary>Exit code when the eBPF program faulted.</summary>
    public const int ProgramFault = 1;
    /// <summary>Exit code for user errors.</summary>
    public const int UserError = 2;

    /// <summary>Runs the tool with the process's console streams.</summary>
    public static int Run(string[] args) => Run(args, new CliConsole(Console.Out, Console.Error, Console.In));

    /// <summary>Runs the tool with the given streams (used by tests to run it in-process).</summary>
    public static int Run(string[] args, CliConsole console)
    {
        var root = new RootCommand("SharpBpf: an eBPF virtual machine for .NET (assembler, disassembler, interpreter, JIT).");
        foreach (var command in CommandCatalog.Create(console)) root.Subcommands.Add(command);

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            console.Error.WriteLine($"sharpbpf: {parse.Errors[0].Message} (see 'sharpbpf --help')");
            return UserError;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                Output = console.Out,
                Error = console.Error,
            });
        }
        catch (BpfRuntimeException e)
        {
            console.Error.WriteLine($"sharpbpf: program fault: {e.Message}");
            return ProgramFault;
        }
        catch (Exception e) when (e is BpfException or CliUsageException or IOException or UnauthorizedAccessException or FormatException)
        {
            console.Error.WriteLine($"sharpbpf: {e.Message}");
            return UserError;
        }
    }
}

/// <summary>The streams a command writes to and reads from.</summary>
public sealed record CliConsole(TextWriter Out, TextWriter Error, TextReader In);

/// <summary>A mistake in how the tool was invoked; reported in one line with exit code 2.</summary>
public sealed class CliUsageException(string message) : Exception(message);

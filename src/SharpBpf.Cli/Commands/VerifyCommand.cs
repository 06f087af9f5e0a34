using System.CommandLine;
using System.Text.Json;
using SharpBpf.Elf;
using SharpBpf.Helpers;
using SharpBpf.ProgramTypes;
using SharpBpf.Verifier;

namespace SharpBpf.Cli.Commands;

/// <summary>
/// <c>sharpbpf verify OBJECT.o [--section S] [--program NAME] [--type TYPE] [--log-level N] [--json]</c>: runs the
/// verifier on the object's programs (with the object's maps). Exit 0 when every selected program is accepted,
/// 1 when one is rejected, 2 when the object cannot be loaded or the selection is wrong.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create(CliConsole console)
    {
        var file = new Argument<string>("OBJECT") { Description = "BPF ELF object file (clang -target bpf)" };
        var section = new Option<string?>("--section") { Description = "Verify only the programs of this ELF section" };
        var program = new Option<string?>("--program") { Description = "Verify only the program with this name" };
        var type = new Option<string?>("--type") { Description = "Program type to verify as (xdp, socket_filter, sched_cls, kprobe, raw, ...); default: from the section name" };
        var logLevel = new Option<int>("--log-level") { Description = "0: the error only; 1: the path to the error and statistics; 2: register states at every instruction" };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON" };
        var command = new Command("verify", "Prove the programs of a BPF object safe, as the Linux verifier does") { file, section, program, type, logLevel, json };
        command.SetAction(parse =>
        {
            int level = parse.GetValue(logLevel);
            if (level is < 0 or > 2) throw new CliUsageException($"--log-level must be 0, 1 or 2 (got {level})");
            var forcedType = parse.GetValue(type) is { } typeName ? ParseType(typeName) : (BpfProgramType?)null;
            var obj = BpfObject.LoadFile(parse.GetValue(file)!);
            var selected = obj.Programs
                .Where(p => parse.GetValue(section) is not { } s || p.SectionName == s)
                .Where(p => parse.GetValue(program) is not { } n || p.Name == n)
                .ToList();
            if (selected.Count == 0)
                throw new CliUsageException($"no program matches the selection (programs: {string.Join(", ", obj.Programs.Select(p => $"{p.Name} in {p.SectionName}"))})");

            var helpers = PacketHelpers.Register(StandardHelpers.Register(new HelperTable(), new HelperEnvironment()));
            var options = new VerifierOptions { LogLevel = level };
            var results = new List<(BpfProgram Program, BpfProgramType Type, VerificationResult Result)>();
            foreach (var p in selected)
            {
                var programType = forcedType ?? p.Type;
                try
                {
                    ProgramTypeInfo.For(programType);
                }
                catch (ArgumentException)
                {
                    throw new CliUsageException($"program '{p.Name}' ({p.SectionName}) has type {programType}, which the verifier does not support; choose one with --type");
                }
                var input = new VerifierInput(p.Bytecode, programType, obj.Maps, helpers) { SourceLine = i => p.SourceLineAt(i)?.ToString() };
                results.Add((p, programType, BpfVerifier.Verify(input, options)));
            }

            if (parse.GetValue(json)) WriteJson(console.Out, results);
            else WriteText(console, results, level);
            return results.All(r => r.Result.Accepted) ? CliApp.Success : CliApp.ProgramFault;
        });
        return command;
    }

    private static BpfProgramType ParseType(string name) =>
        ProgramTypeInfo.All.FirstOrDefault(i => i.Name == name || i.Type.ToString().Equals(name, StringComparison.OrdinalIgnoreCase))?.Type
        ?? throw new CliUsageException($"unknown program type '{name}' (known: {string.Join(", ", ProgramTypeInfo.All.Select(i => i.Name))})");

    private static void WriteText(CliConsole console, List<(BpfProgram Program, BpfProgramType Type, VerificationResult Result)> results, int level)
    {
        foreach (var (p, type, r) in results)
        {
            string name = $"{p.Name} ({p.SectionName}, {ProgramTypeInfo.For(type).Name})";
            if (r.Accepted)
                console.Out.WriteLine($"{name}: accepted ({r.ProcessedInstructions} instructions processed, {r.StatesExplored} states)");
            else
                console.Out.WriteLine($"{name}: rejected: {r.Error}");
            if (level > 0 && r.Log.Length > 0) console.Out.WriteLine(r.Log.TrimEnd());
        }
    }

    private static void WriteJson(TextWriter output, List<(BpfProgram Program, BpfProgramType Type, VerificationResult Result)> results)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartArray();
            foreach (var (p, type, r) in results)
            {
                writer.WriteStartObject();
                writer.WriteString("program", p.Name);
                writer.WriteString("section", p.SectionName);
                writer.WriteString("type", ProgramTypeInfo.For(type).Name);
                writer.WriteBoolean("accepted", r.Accepted);
                writer.WriteNumber("processedInstructions", r.ProcessedInstructions);
                writer.WriteNumber("statesExplored", r.StatesExplored);
                if (r.Error is { } e)
                {
                    writer.WriteStartObject("error");
                    writer.WriteNumber("instruction", e.InstructionIndex);
                    writer.WriteString("text", e.Instruction);
                    writer.WriteString("kind", e.Kind.ToString());
                    writer.WriteString("reason", e.Reason);
                    if (e.SourceLocation is { } source) writer.WriteString("source", source);
                    else writer.WriteNull("source");
                    writer.WriteEndObject();
                }
                writer.WriteString("log", r.Log);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }
}

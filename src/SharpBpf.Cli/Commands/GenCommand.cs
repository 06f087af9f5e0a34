using System.CommandLine;
using SharpBpf.Skeleton;

namespace SharpBpf.Cli.Commands;

/// <summary>
/// <c>sharpbpf gen skeleton OBJECT.o [-o FILE] [--namespace NS] [--class NAME]</c>: writes a C# skeleton (the
/// counterpart of <c>bpftool gen skeleton</c>) to FILE or standard output.
/// </summary>
internal static class GenCommand
{
    public static Command Create(CliConsole console)
    {
        var objectFile = new Argument<string>("OBJECT") { Description = "BPF object file (ELF)" };
        var output = new Option<string?>("--output", "-o") { Description = "Write the skeleton to this file instead of standard output" };
        var ns = new Option<string?>("--namespace") { Description = "Namespace of the generated class" };
        var className = new Option<string?>("--class") { Description = "Name of the generated class (default: from the file name)" };
        var skeleton = new Command("skeleton", "Generate a C# skeleton with typed programs, maps and globals") { objectFile, output, ns, className };
        skeleton.SetAction(parse =>
        {
            string path = parse.GetValue(objectFile)!;
            byte[] bytes = ProgramInput.ReadFile(path);
            if (!ProgramInput.IsElf(bytes)) throw new CliUsageException($"{path}: not an ELF object file");
            string? name = parse.GetValue(className);
            if (name is not null && (name.Length == 0 || !char.IsAsciiLetter(name[0]) && name[0] != '_' || name.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '_')))
                throw new CliUsageException($"--class: '{name}' is not a valid C# identifier");
            string source = SkeletonGenerator.Generate(bytes, path, new SkeletonGeneratorOptions { Namespace = parse.GetValue(ns), ClassName = name });
            if (parse.GetValue(output) is { } file) File.WriteAllText(file, source);
            else console.Out.Write(source);
            return CliApp.Success;
        });
        return new Command("gen", "Generate code from BPF objects") { skeleton };
    }
}

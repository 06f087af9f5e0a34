using System.Globalization;
using SharpBpf.Helpers;
using SharpBpf.Runtime;

namespace SharpBpf.Tests.Conformance;

/// <summary>One bpf_conformance test: program bytes, input memory and the expected r0 (or error).</summary>
public sealed record ConformanceCase(string Name, string AsmText, byte[] Program, byte[] Memory, ulong? ExpectedResult, string? ExpectedError)
{
    public override string ToString() => Name;
}

/// <summary>
/// Reads the suite from <c>../shared/conformance/tests</c> (or <c>SHARPBPF_CONFORMANCE_DIR</c>). Program bytes come
/// from each file's <c>-- raw</c> section, else from <c>assembled.tsv</c> beside the folder. A missing folder is
/// an error, never an empty suite.
/// </summary>
public static class ConformanceData
{
    public const string DirectoryVariable = "SHARPBPF_CONFORMANCE_DIR";

    public static string Directory
    {
        get
        {
            var overridden = Environment.GetEnvironmentVariable(DirectoryVariable);
            if (!string.IsNullOrEmpty(overridden)) return Path.GetFullPath(overridden);
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null)
            {
                var candidate = Path.Combine(dir.FullName, "..", "shared", "conformance", "tests");
                if (System.IO.Directory.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "SharpBpf.slnx")))
                    return Path.GetFullPath(candidate);
                dir = dir.Parent;
            }
            throw new DirectoryNotFoundException(
                $"bpf_conformance data not found: expected ../shared/conformance/tests beside the repository, or set {DirectoryVariable}");
        }
    }

    private static readonly Lazy<IReadOnlyList<ConformanceCase>> s_cases = new(Load);

    public static IReadOnlyList<ConformanceCase> Cases => s_cases.Value;

    /// <summary>Test names for xunit's MemberData (names, so each file shows as its own case).</summary>
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases) data.Add(c.Name);
        return data;
    }

    public static ConformanceCase Get(string name) => Cases.Single(c => c.Name == name);

    /// <summary>Helpers the suite expects: helper 5 "unwind" returns its argument and stops the program with r0 = 0 when it is 0.</summary>
    public static HelperTable Helpers() => new HelperTable().Register(5, "unwind", static (RunContext context, ulong r1, ulong _, ulong _, ulong _, ulong _) =>
    {
        if (r1 == 0) context.Stop(0);
        return r1;
    });

    private static IReadOnlyList<ConformanceCase> Load()
    {
        string dir = Directory;
        var files = System.IO.Directory.GetFiles(dir, "*.data").OrderBy(f => f, StringComparer.Ordinal).ToArray();
        if (files.Length == 0) throw new InvalidOperationException($"no .data files in {dir}");
        var assembled = LoadAssembled(Path.Combine(dir, "..", "assembled.tsv"));
        var cases = new List<ConformanceCase>();
        foreach (var file in files)
        {
            string name = Path.GetFileName(file);
            var sections = ParseSections(File.ReadAllLines(file));
            byte[] program = sections.TryGetValue("raw", out var raw)
                ? raw.Where(l => l.Length > 0).SelectMany(l => BitConverter.GetBytes(ulong.Parse(l.Replace("0x", ""), NumberStyles.HexNumber))).ToArray()
                : assembled.TryGetValue(name, out var bytes) ? bytes
                : throw new InvalidOperationException($"{name}: no -- raw section and no entry in assembled.tsv");
            byte[] memory = sections.TryGetValue("mem", out var mem) ? ParseHex(string.Join(' ', mem)) : [];
            ulong? result = sections.TryGetValue("result", out var res) && res.Any(l => l.Length > 0)
                ? ulong.Parse(res.First(l => l.Length > 0).Replace("0x", ""), NumberStyles.HexNumber)
                : null;
            string? error = sections.TryGetValue("error", out var err) ? string.Join('\n', err).Trim() : null;
            string asm = sections.TryGetValue("asm", out var asmLines) ? string.Join('\n', asmLines) : "";
            cases.Add(new ConformanceCase(name, asm, program, memory, result, error));
        }
        return cases;
    }

    private static Dictionary<string, List<string>> ParseSections(string[] lines)
    {
        var sections = new Dictionary<string, List<string>>();
        List<string>? current = null;
        foreach (var line in lines)
        {
            if (line.StartsWith("-- ", StringComparison.Ordinal))
            {
                current = [];
                sections[line[3..].Trim()] = current;
                continue;
            }
            if (current is null) continue;
            // The asm section keeps comments for the assembler to handle; other sections drop them.
            var text = current == (sections.GetValueOrDefault("asm")) ? line : StripComment(line);
            current.Add(text.Trim());
        }
        return sections;
    }

    private static string StripComment(string line)
    {
        int hash = line.IndexOf('#');
        return hash >= 0 ? line[..hash] : line;
    }

    private static Dictionary<string, byte[]> LoadAssembled(string path)
    {
        var map = new Dictionary<string, byte[]>();
        if (!File.Exists(path)) return map;
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var cols = line.Split('\t');
            if (cols.Length >= 2 && cols[1].Length > 0) map[cols[0]] = ParseHex(cols[1]);
        }
        return map;
    }

    public static byte[] ParseHex(string text) =>
        text.Split([' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries)
            .Select(b => byte.Parse(b, NumberStyles.HexNumber)).ToArray();
}

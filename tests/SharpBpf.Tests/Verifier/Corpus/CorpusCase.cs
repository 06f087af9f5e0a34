using System.Text.RegularExpressions;
using SharpBpf.Asm;
using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Maps;
using SharpBpf.ProgramTypes;

namespace SharpBpf.Tests.Verifier.Corpus;

/// <summary>
/// One verifier corpus case: <c>tests/verifier/GROUP/NAME.s</c>, LLVM assembly with a comment header:
/// <c>; type: xdp</c>, <c>; maps: NAME TYPE KEY VALUE MAX [spinlock=OFF]</c> (one line per map, in index order),
/// <c>; privileged: false</c>, <c>; kernel: skip</c> (not loadable into Linux as is) and
/// <c>; expect: accept</c> or <c>; expect: reject INDEX|* KIND ["reason substring"]</c>;
/// KIND <c>decode:DecodeError</c> means the bytecode itself is malformed and never reaches the verifier.
/// </summary>
public sealed partial class CorpusCase
{
    public required string Id { get; init; }
    public required string Path { get; init; }
    public required string Text { get; init; }
    public required string TypeName { get; init; }
    public required BpfProgramType ProgramType { get; init; }
    public required IReadOnlyList<MapDefinition> Maps { get; init; }
    public bool Privileged { get; init; } = true;
    public bool KernelLoadable { get; init; } = true;
    public bool ExpectAccept { get; init; }
    /// <summary>The rejected instruction slot, or null for "*".</summary>
    public int? ExpectIndex { get; init; }
    public string? ExpectKind { get; init; }
    public string? ExpectReason { get; init; }

    public bool ExpectDecodeError => ExpectKind?.StartsWith("decode:", StringComparison.Ordinal) == true;

    public override string ToString() => Id;

    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = System.IO.Path.Combine(dir.FullName, "tests", "verifier");
                if (Directory.Exists(candidate)) return candidate;
            }
            throw new DirectoryNotFoundException("tests/verifier not found above " + AppContext.BaseDirectory);
        }
    }

    public static IReadOnlyList<CorpusCase> All { get; } = Directory
        .EnumerateFiles(Root, "*.s", SearchOption.AllDirectories)
        .Order(StringComparer.Ordinal)
        .Select(Load)
        .ToArray();

    public static IEnumerable<object[]> Ids() => All.Select(c => new object[] { c.Id });

    public static CorpusCase ById(string id) => All.Single(c => c.Id == id);

    [GeneratedRegex("""^reject\s+(\*|\d+)\s+(\S+)(?:\s+"(.*)")?$""")]
    private static partial Regex RejectPattern();

    public static CorpusCase Load(string path)
    {
        string text = File.ReadAllText(path);
        string id = System.IO.Path.GetRelativePath(Root, path).Replace('\\', '/')[..^2];
        string? type = null, expect = null;
        bool privileged = true, kernel = true;
        var maps = new List<MapDefinition>();
        foreach (var raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (!line.StartsWith(';')) continue;
            int colon = line.IndexOf(':');
            if (colon < 0) continue;
            string key = line[1..colon].Trim(), value = line[(colon + 1)..].Trim();
            switch (key)
            {
                case "type": type = value; break;
                case "maps": maps.Add(ParseMap(value, id)); break;
                case "privileged": privileged = bool.Parse(value); break;
                case "kernel": kernel = value != "skip"; break;
                case "expect": expect = value; break;
            }
        }
        if (type is null || expect is null) throw new FormatException($"{id}: missing '; type:' or '; expect:' header");
        var programType = type == "raw"
            ? BpfProgramType.Unspecified
            : ProgramTypeInfo.All.SingleOrDefault(i => i.Name == type)?.Type ?? throw new FormatException($"{id}: unknown program type '{type}'");
        if (expect == "accept")
            return new CorpusCase { Id = id, Path = path, Text = text, TypeName = type, ProgramType = programType, Maps = maps, Privileged = privileged, KernelLoadable = kernel && type != "raw", ExpectAccept = true };
        var match = RejectPattern().Match(expect);
        if (!match.Success) throw new FormatException($"{id}: bad expectation '{expect}'");
        return new CorpusCase
        {
            Id = id, Path = path, Text = text, TypeName = type, ProgramType = programType, Maps = maps, Privileged = privileged,
            KernelLoadable = kernel && type != "raw",
            ExpectIndex = match.Groups[1].Value == "*" ? null : int.Parse(match.Groups[1].Value),
            ExpectKind = match.Groups[2].Value,
            ExpectReason = match.Groups[3].Success ? match.Groups[3].Value : null,
        };
    }

    private static MapDefinition ParseMap(string spec, string id)
    {
        var parts = spec.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 5) throw new FormatException($"{id}: map spec '{spec}' needs NAME TYPE KEY VALUE MAX");
        var type = Enum.Parse<MapType>(parts[1].Replace("_", ""), ignoreCase: true);
        int spinLock = -1;
        foreach (var extra in parts.Skip(5))
        {
            if (extra.StartsWith("spinlock=", StringComparison.Ordinal)) spinLock = int.Parse(extra["spinlock=".Length..]);
            else throw new FormatException($"{id}: unknown map option '{extra}'");
        }
        return new MapDefinition
        {
            Name = parts[0], Type = type, KeySize = uint.Parse(parts[2]), ValueSize = uint.Parse(parts[3]),
            MaxEntries = uint.Parse(parts[4]), SpinLockOffset = spinLock,
        };
    }

    /// <summary>The instruction slots, unvalidated (malformed programs included).</summary>
    public IReadOnlyList<Instruction> Instructions() => Assembler.AssembleInstructions(Text, AsmSyntax.Llvm);

    /// <summary>
    /// The standard helpers plus prototypes for the kernel packet helpers the corpus calls (skb_load_bytes, csum_diff, ...),
    /// so that "not allowed for this program type" is distinguishable from "unknown helper".
    /// </summary>
    public static HelperTable Helpers()
    {
        var table = StandardHelpers.Register(new HelperTable(), new HelperEnvironment());
        static HelperPrototype P(params HelperArgument[] a) => new(HelperReturn.Integer, a);
        HelperFunction unused = (_, _, _, _, _, _) => 0;
        table.Register(9, "skb_store_bytes", P(HelperArgument.Context, HelperArgument.Anything, HelperArgument.InitializedMemory, HelperArgument.ConstSize, HelperArgument.Anything), unused);
        table.Register(10, "l3_csum_replace", P(HelperArgument.Context, HelperArgument.Anything, HelperArgument.Anything, HelperArgument.Anything, HelperArgument.Anything), unused);
        table.Register(11, "l4_csum_replace", P(HelperArgument.Context, HelperArgument.Anything, HelperArgument.Anything, HelperArgument.Anything, HelperArgument.Anything), unused);
        table.Register(23, "redirect", P(HelperArgument.Anything, HelperArgument.Anything), unused);
        table.Register(26, "skb_load_bytes", P(HelperArgument.Context, HelperArgument.Anything, HelperArgument.UninitializedMemory, HelperArgument.ConstSize), unused);
        table.Register(28, "csum_diff", P(HelperArgument.InitializedMemory, HelperArgument.ConstSizeOrZero, HelperArgument.InitializedMemory, HelperArgument.ConstSizeOrZero, HelperArgument.Anything), unused);
        table.Register(44, "xdp_adjust_head", P(HelperArgument.Context, HelperArgument.Anything), unused);
        table.Register(51, "redirect_map", P(HelperArgument.ConstMapPointer, HelperArgument.Anything, HelperArgument.Anything), unused);
        table.Register(54, "xdp_adjust_meta", P(HelperArgument.Context, HelperArgument.Anything), unused);
        table.Register(65, "xdp_adjust_tail", P(HelperArgument.Context, HelperArgument.Anything), unused);
        return table;
    }
}

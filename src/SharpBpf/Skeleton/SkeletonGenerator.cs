using System.Globalization;
using System.Text;
using SharpBpf.Btf;
using SharpBpf.Elf;

namespace SharpBpf.Skeleton;

/// <summary>Names for a generated skeleton.</summary>
public sealed record SkeletonGeneratorOptions
{
    /// <summary>Namespace of the generated class (null: none).</summary>
    public string? Namespace { get; init; }

    /// <summary>Class name; null derives it from the object file name (<c>flow_stats.o</c> → <c>FlowStats</c>).</summary>
    public string? ClassName { get; init; }
}

/// <summary>
/// <c>bpftool gen skeleton</c> for .NET: writes a C# class deriving from <see cref="BpfSkeleton"/> that embeds the
/// object file (base64) and exposes a property per program (<see cref="SkeletonProgram"/>), per map (typed
/// <see cref="BpfMap{TKey, TValue}"/> when BTF gives both key and value types, else the raw <see cref="Maps.BpfMap"/>)
/// and per global variable of <c>.data</c>/<c>.bss</c>/<c>.rodata</c> (from BTF <c>DATASEC</c>,
/// <see cref="GlobalVariable{T}"/>). C structs, unions and arrays become nested unmanaged structs with explicit
/// layout and inline arrays; bitfields and types without a C# counterpart are left out (their bytes stay
/// reachable through the map).
/// </summary>
public static class SkeletonGenerator
{
    private static readonly HashSet<string> s_keywords =
    [
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const", "continue", "decimal",
        "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern", "false", "finally", "fixed", "float", "for",
        "foreach", "goto", "if", "implicit", "in", "int", "interface", "internal", "is", "lock", "long", "namespace", "new", "null", "object",
        "operator", "out", "override", "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed", "short",
        "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof", "uint", "ulong", "unchecked",
        "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
    ];

    /// <summary>Generates the skeleton source for the object file bytes <paramref name="elf"/> named <paramref name="fileName"/>.</summary>
    /// <exception cref="BpfElfException">The object is malformed.</exception>
    public static string Generate(ReadOnlySpan<byte> elf, string fileName, SkeletonGeneratorOptions? options = null)
    {
        options ??= new SkeletonGeneratorOptions();
        var obj = BpfObject.Load(elf);
        string className = options.ClassName ?? Pascal(Path.GetFileNameWithoutExtension(fileName));
        var types = new TypeMapper(obj.Btf);
        var members = new StringBuilder();
        var used = new HashSet<string>(StringComparer.Ordinal) { className, "Loaded", "Object", "Options", "Helpers", "Maps", "Programs", "GetMap", "GetProgram", "Dispose", "ElfBytes", "Global", "Equals", "GetHashCode", "ToString", "GetType" };
        string Unique(string name)
        {
            string candidate = name;
            for (int i = 2; !used.Add(candidate); i++) candidate = name + i.ToString(CultureInfo.InvariantCulture);
            return candidate;
        }

        foreach (var program in obj.Programs)
        {
            members.AppendLine($"    /// <summary>Program <c>{Xml(program.Name)}</c> (section <c>{Xml(program.SectionName)}</c>, {program.Type}).</summary>");
            members.AppendLine($"    public global::SharpBpf.Skeleton.SkeletonProgram {Unique(Pascal(program.Name))} => GetProgram({Literal(program.Name)});");
            members.AppendLine();
        }

        foreach (var map in obj.Maps)
        {
            if (map.Name.StartsWith('.') && map.Type == Maps.MapType.Array && map.MaxEntries == 1 && map.KeySize == 4) continue;
            string? key = map.BtfKeyTypeId != 0 ? types.Map(map.BtfKeyTypeId) : null;
            string? value = map.BtfValueTypeId != 0 ? types.Map(map.BtfValueTypeId) : null;
            members.AppendLine($"    /// <summary>Map <c>{Xml(map.Name)}</c> ({map.Type}, key {map.KeySize} bytes, value {map.ValueSize} bytes, {map.MaxEntries} entries).</summary>");
            if (key is not null && value is not null)
                members.AppendLine($"    public global::SharpBpf.Skeleton.BpfMap<{key}, {value}> {Unique(Pascal(map.Name))} => new(GetMap({Literal(map.Name)}));");
            else
                members.AppendLine($"    public global::SharpBpf.Maps.BpfMap {Unique(Pascal(map.Name))} => GetMap({Literal(map.Name)});");
            members.AppendLine();
        }

        if (obj.Btf is { } btf)
        {
            // Clang leaves DATASEC offsets at 0 in object files (libbpf fixes them up from the symbol table); so do we.
            var elfFile = ElfFile.Parse(elf);
            var symbolOffsets = elfFile.Symbols
                .Where(symbol => symbol.IsDefinedInSection && symbol.SectionIndex < elfFile.Sections.Count && symbol.Type == ElfSymbol.TypeObject)
                .GroupBy(symbol => (elfFile.Sections[symbol.SectionIndex].Name, symbol.Name))
                .ToDictionary(group => group.Key, group => group.First().Value);
            foreach (var section in btf.Types.Where(t => t.Kind == BtfKind.DataSection))
            {
                if (!obj.Maps.Any(m => m.Name == section.Name)) continue;
                foreach (var variable in section.Variables)
                {
                    var declaration = btf.GetType(variable.TypeId);
                    if (declaration.Kind != BtfKind.Var) continue;
                    string? type = types.Map(declaration.SizeOrType);
                    if (type is null) continue;
                    ulong offset = symbolOffsets.TryGetValue((section.Name, declaration.Name), out var fixedUp) ? fixedUp : variable.Offset;
                    members.AppendLine($"    /// <summary>Global <c>{Xml(declaration.Name)}</c> in <c>{Xml(section.Name)}</c> at offset {offset} ({btf.SizeOf(declaration.SizeOrType)} bytes).</summary>");
                    members.AppendLine($"    public global::SharpBpf.Skeleton.GlobalVariable<{type}> {Unique(Pascal(declaration.Name))} => Global<{type}>({Literal(section.Name)}, {offset});");
                    members.AppendLine();
                }
            }
        }

        var text = new StringBuilder();
        text.AppendLine("// <auto-generated>");
        text.AppendLine($"//   Generated by `sharpbpf gen skeleton` from {Path.GetFileName(fileName)}. Do not edit; regenerate instead.");
        text.AppendLine("// </auto-generated>");
        text.AppendLine("#nullable enable");
        text.AppendLine("#pragma warning disable CS0169, CS0649");
        text.AppendLine("using System.Runtime.CompilerServices;");
        text.AppendLine("using System.Runtime.InteropServices;");
        text.AppendLine();
        if (options.Namespace is { Length: > 0 } ns)
        {
            text.AppendLine($"namespace {ns};");
            text.AppendLine();
        }
        text.AppendLine($"/// <summary>Typed access to the programs, maps and globals of <c>{Xml(Path.GetFileName(fileName))}</c>.</summary>");
        text.AppendLine($"public sealed class {className} : global::SharpBpf.Skeleton.BpfSkeleton");
        text.AppendLine("{");
        text.AppendLine("    private static readonly byte[] s_elf = global::System.Convert.FromBase64String(");
        string base64 = Convert.ToBase64String(elf);
        for (int i = 0; i < base64.Length; i += 120)
            text.AppendLine($"        \"{base64.Substring(i, Math.Min(120, base64.Length - i))}\"{(i + 120 < base64.Length ? " +" : ");")}");
        text.AppendLine();
        text.AppendLine("    /// <summary>Loads the embedded object: creates its maps and verifies its programs (unless <c>options.Verify</c> is off for trusted code).</summary>");
        text.AppendLine("    /// <exception cref=\"global::SharpBpf.Verifier.BpfVerifierException\">The verifier rejects a program.</exception>");
        text.AppendLine($"    public {className}(global::SharpBpf.Skeleton.SkeletonOptions? options = null) : base(s_elf, options) {{ }}");
        text.AppendLine();
        text.AppendLine("    /// <summary>The embedded object file.</summary>");
        text.AppendLine("    public static global::System.ReadOnlySpan<byte> ElfBytes => s_elf;");
        text.AppendLine();
        text.Append(members);
        foreach (string definition in types.Definitions) text.Append(definition).AppendLine();
        text.AppendLine("}");
        return text.ToString();
    }

    /// <summary><c>snake_case</c> to <c>PascalCase</c>, made a valid identifier.</summary>
    public static string Pascal(string name)
    {
        var builder = new StringBuilder();
        bool upper = true;
        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                upper = true;
                continue;
            }
            builder.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }
        if (builder.Length == 0 || char.IsAsciiDigit(builder[0])) builder.Insert(0, '_');
        string result = builder.ToString();
        return s_keywords.Contains(result) ? "@" + result : result;
    }

    private static string Literal(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string Xml(string value) => value.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    /// <summary>BTF types to C# type names, emitting nested struct definitions as needed.</summary>
    private sealed class TypeMapper(BtfData? btf)
    {
        private readonly Dictionary<uint, string?> _names = [];
        private readonly HashSet<string> _taken = new(StringComparer.Ordinal);

        public List<string> Definitions { get; } = [];

        public string? Map(uint id)
        {
            if (btf is null) return null;
            var type = btf.ResolveModifiers(id);
            if (_names.TryGetValue(type.Id, out var known)) return known;
            _names[type.Id] = null;  // cycles (pointers are mapped without recursion) end here
            string? name = type.Kind switch
            {
                BtfKind.Int => Integer((int)type.SizeOrType, ((type.IntEncoding >> 24) & 1) != 0),
                BtfKind.Enum => Integer((int)type.SizeOrType, type.KindFlag),
                BtfKind.Enum64 => Integer(8, type.KindFlag),
                BtfKind.Float => type.SizeOrType switch { 4 => "float", 8 => "double", _ => null },
                BtfKind.Pointer => "ulong",
                BtfKind.Struct or BtfKind.Union => Struct(type),
                BtfKind.Array => Array(type),
                _ => null,
            };
            _names[type.Id] = name;
            return name;
        }

        private static string? Integer(int size, bool signed) => size switch
        {
            1 => signed ? "sbyte" : "byte",
            2 => signed ? "short" : "ushort",
            4 => signed ? "int" : "uint",
            8 => signed ? "long" : "ulong",
            _ => null,
        };

        private string Take(string name)
        {
            string candidate = name;
            for (int i = 2; !_taken.Add(candidate); i++) candidate = name + i.ToString(CultureInfo.InvariantCulture);
            return candidate;
        }

        private string? Array(BtfType type)
        {
            var info = type.Array!;
            string? element = Map(info.ElementTypeId);
            if (element is null || info.Count == 0) return null;
            string name = Take($"{Pascal(element.Split('.')[^1])}Array{info.Count}");
            var text = new StringBuilder();
            text.AppendLine($"    /// <summary>C array of {info.Count} <c>{element}</c>.</summary>");
            text.AppendLine($"    [InlineArray({info.Count})]");
            text.AppendLine($"    public struct {name}");
            text.AppendLine("    {");
            text.AppendLine($"        private {element} _element0;");
            text.AppendLine("    }");
            Definitions.Add(text.ToString());
            return name;
        }

        private string? Struct(BtfType type)
        {
            string name = Take(type.Name.Length > 0 ? Pascal(type.Name) : $"Anonymous{type.Id}");
            _names[type.Id] = name;  // self-references through pointers resolve to ulong, so this is only for the record
            var text = new StringBuilder();
            text.AppendLine($"    /// <summary>C {(type.Kind == BtfKind.Union ? "union" : "struct")} <c>{Xml(type.Name)}</c> ({type.SizeOrType} bytes).</summary>");
            text.AppendLine($"    [StructLayout(LayoutKind.Explicit, Size = {type.SizeOrType})]");
            text.AppendLine($"    public struct {name}");
            text.AppendLine("    {");
            var fieldNames = new HashSet<string>(StringComparer.Ordinal) { name };
            foreach (var member in type.Members)
            {
                if (member.BitfieldSize != 0 || member.BitOffset % 8 != 0) continue;
                string? memberType = Map(member.TypeId);
                if (memberType is null) continue;
                string field = member.Name.Length > 0 ? Pascal(member.Name) : $"Anonymous{member.BitOffset / 8}";
                for (int i = 2; !fieldNames.Add(field); i++) field = Pascal(member.Name) + i.ToString(CultureInfo.InvariantCulture);
                text.AppendLine($"        /// <summary><c>{Xml(member.Name)}</c> at offset {member.BitOffset / 8}.</summary>");
                text.AppendLine($"        [FieldOffset({member.BitOffset / 8})] public {memberType} {field};");
            }
            text.AppendLine("    }");
            Definitions.Add(text.ToString());
            return name;
        }
    }
}

using System.Buffers.Binary;
using SharpBpf.Btf;
using SharpBpf.Isa;
using SharpBpf.Maps;

namespace SharpBpf.Elf;

/// <summary>What a rewritten relocation refers to.</summary>
public enum BpfRelocationKind
{
    /// <summary><c>lddw</c> of a map (now <see cref="LoadImm64Source.MapIndex"/>).</summary>
    Map,
    /// <summary><c>lddw</c> of an address in a global data section (now <see cref="LoadImm64Source.MapIndexValue"/>).</summary>
    GlobalData,
    /// <summary>A bpf-to-bpf call to a subprogram.</summary>
    SubprogramCall,
    /// <summary><c>lddw</c> of a subprogram's address (a callback, now <see cref="LoadImm64Source.CodeAddress"/>).</summary>
    FunctionAddress,
}

/// <summary>One relocation the loader applied, for inspection.</summary>
/// <param name="ProgramName">Program whose bytecode was patched.</param>
/// <param name="InstructionIndex">Patched instruction index in the program's <see cref="BpfProgram.Bytecode"/>.</param>
/// <param name="Kind">What the instruction now refers to.</param>
/// <param name="SymbolName">The ELF symbol named by the relocation (a section name for section symbols).</param>
/// <param name="MapIndex">Index into <see cref="BpfObject.Maps"/> for map and global data references.</param>
/// <param name="Target">Value offset for global data; target instruction index for calls and function addresses.</param>
/// <param name="FileOffset">File offset of the relocation entry (-1 for calls inside one section, which need none).</param>
public sealed record BpfRelocation(string ProgramName, int InstructionIndex, BpfRelocationKind Kind, string SymbolName, int? MapIndex, long Target, long FileOffset);

/// <summary>
/// A clang-compiled BPF object file loaded the way libbpf does it: programs per executable section and function
/// symbol, <c>.text</c> subprograms linked into each program that calls them, map definitions from the legacy
/// <c>maps</c> section, BTF-defined <c>.maps</c> and global data sections, map references rewritten to map
/// indices, license, kernel version, BTF and line info. No kernel is involved: a later stage creates the maps.
/// </summary>
public sealed class BpfObject
{
    private const uint RelocationBpf64_64 = 1, RelocationBpf64_32 = 10;
    private const uint LegacyMinimumDefinitionSize = 16, IproutePinningOffset = 24, IproutePinGlobal = 2;
    private const long MaxZeroFilledSection = 16L << 20;
    private const uint FlagReadOnlyProgram = 1u << 7, FlagMmapable = 1u << 10;
    private const int MaxInnerMapDepth = 2;

    private BpfObject() { }

    /// <summary>Programs in section order, then symbol order.</summary>
    public IReadOnlyList<BpfProgram> Programs { get; private set; } = [];

    /// <summary>Map definitions; <c>lddw</c> map references in programs hold indices into this list.</summary>
    public IReadOnlyList<MapDefinition> Maps { get; private set; } = [];

    /// <summary>The <c>license</c> section's string, or null.</summary>
    public string? License { get; private set; }

    /// <summary>The <c>version</c> section's kernel version number, or null.</summary>
    public uint? KernelVersion { get; private set; }

    /// <summary>Parsed <c>.BTF</c>, or null.</summary>
    public BtfData? Btf { get; private set; }

    /// <summary>Parsed <c>.BTF.ext</c>, or null.</summary>
    public BtfExt? BtfExt { get; private set; }

    /// <summary>Every relocation applied, in program order.</summary>
    public IReadOnlyList<BpfRelocation> Relocations { get; private set; } = [];

    /// <summary>The parsed file it came from, kept so that later stages can read what the object model leaves out (map <c>.values</c> initialisers).</summary>
    internal ElfFile? SourceFile { get; private set; }

    /// <summary>The program named <paramref name="name"/>, or null.</summary>
    public BpfProgram? FindProgram(string name) => Programs.FirstOrDefault(p => p.Name == name);

    /// <summary>The index of the map named <paramref name="name"/> in <see cref="Maps"/>, or -1.</summary>
    public int FindMap(string name)
    {
        for (int i = 0; i < Maps.Count; i++)
            if (Maps[i].Name == name) return i;
        return -1;
    }

    /// <summary>Reads and loads an object file.</summary>
    /// <exception cref="BpfElfException">The file cannot be read or is not a loadable BPF object.</exception>
    public static BpfObject LoadFile(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new BpfElfException(null, 0, $"cannot read '{path}': {e.Message}", e);
        }
        return Load(bytes);
    }

    /// <summary>Loads an object file from its bytes.</summary>
    /// <exception cref="BpfElfException">The bytes are not a loadable BPF object; the message names the section and file offset.</exception>
    public static BpfObject Load(ReadOnlySpan<byte> elf)
    {
        var elfFile = ElfFile.Parse(elf);
        var obj = new Loader(elfFile).Run();
        obj.SourceFile = elfFile;
        return obj;
    }

    private sealed class Loader(ElfFile elf)
    {
        private readonly BpfObject _object = new();
        private readonly List<MapDefinition> _maps = [];
        /// <summary>Map index by (section index, byte offset of the definition) for legacy and BTF map sections.</summary>
        private readonly Dictionary<(int Section, ulong Offset), int> _mapsBySymbol = [];
        /// <summary>Global data map index by section index.</summary>
        private readonly Dictionary<int, int> _dataMaps = [];
        private readonly List<BpfRelocation> _relocations = [];
        private readonly Dictionary<int, Instruction[]> _code = [];
        private readonly Dictionary<int, Dictionary<long, (ElfSection Table, ElfRelocation Entry)>> _relocationsAt = [];

        public BpfObject Run()
        {
            ReadLicenseAndVersion();
            ReadBtf();
            ReadLegacyMaps();
            ReadBtfMaps();
            ReadGlobalData();
            _object.Maps = _maps;
            ReadPrograms();
            _object.Relocations = _relocations;
            return _object;
        }

        private void ReadLicenseAndVersion()
        {
            if (elf.FindSection("license") is { } license)
            {
                var bytes = elf.Contents(license);
                int end = bytes.IndexOf((byte)0);
                _object.License = System.Text.Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
            }
            if (elf.FindSection("version") is { } version)
            {
                if (version.Size != 4 || !version.HasFileBytes)
                    throw new BpfElfException(version.Name, version.Offset, $"version section is {version.Size} bytes, expected a 4-byte kernel version");
                _object.KernelVersion = BinaryPrimitives.ReadUInt32LittleEndian(elf.Contents(version));
            }
        }

        private void ReadBtf()
        {
            if (elf.FindSection(".BTF") is not { } btfSection) return;
            try
            {
                _object.Btf = BtfData.Parse(elf.Contents(btfSection));
            }
            catch (BpfBtfException e)
            {
                throw new BpfElfException(btfSection.Name, btfSection.Offset + e.Offset, e.Problem, e);
            }
            if (elf.FindSection(".BTF.ext") is not { } extSection) return;
            try
            {
                _object.BtfExt = BtfExt.Parse(elf.Contents(extSection), _object.Btf);
            }
            catch (BpfBtfException e)
            {
                throw new BpfElfException(extSection.Name, extSection.Offset + e.Offset, e.Problem, e);
            }
        }

        private List<ElfSymbol> DataSymbolsIn(ElfSection section) =>
            elf.Symbols.Where(s => s.SectionIndex == section.Index && s.Type is ElfSymbol.TypeObject or ElfSymbol.TypeNoType && s.Name.Length > 0)
                .OrderBy(s => s.Value).ToList();

        private void ReadLegacyMaps()
        {
            if (elf.FindSection("maps") is not { } section) return;
            var symbols = DataSymbolsIn(section);
            if (symbols.Count == 0) return;
            if (!section.HasFileBytes)
                throw new BpfElfException(section.Name, section.HeaderOffset + 4, "legacy maps section has no file contents (SHT_NOBITS)");
            // Old compilers give map symbols size 0, so the definition size comes from splitting the section evenly.
            if (section.Size % symbols.Count != 0)
                throw new BpfElfException(section.Name, section.Offset, $"section size {section.Size} is not divisible by its {symbols.Count} map symbols");
            long definitionSize = section.Size / symbols.Count;
            if (definitionSize < LegacyMinimumDefinitionSize)
                throw new BpfElfException(section.Name, section.Offset, $"map definitions of {definitionSize} bytes are smaller than the {LegacyMinimumDefinitionSize}-byte minimum");
            var contents = elf.Contents(section);
            foreach (var symbol in symbols)
            {
                if (symbol.Value > (ulong)section.Size || (ulong)section.Size - symbol.Value < (ulong)definitionSize)
                    throw new BpfElfException(section.Name, symbol.FileOffset, $"map symbol '{symbol.Name}' at offset {symbol.Value} does not leave a {definitionSize}-byte definition in the section");
                var definition = contents.Slice((int)symbol.Value, (int)definitionSize);
                var fields = new uint[definitionSize >= 28 ? 7 : 5];
                for (int f = 0; f < fields.Length; f++)
                    fields[f] = f * 4 + 4 <= definition.Length ? BinaryPrimitives.ReadUInt32LittleEndian(definition[(f * 4)..]) : 0;
                uint Field(int index) => fields[index];
                var map = new MapDefinition
                {
                    Name = symbol.Name,
                    Type = (MapType)Field(0),
                    KeySize = Field(1),
                    ValueSize = Field(2),
                    MaxEntries = Field(3),
                    Flags = Field(4),
                    // iproute2's struct bpf_elf_map carries id and pinning after the flags; PIN_GLOBAL_NS pins by name.
                    Pinning = fields.Length > IproutePinningOffset / 4 && Field((int)IproutePinningOffset / 4) == IproutePinGlobal ? MapPinning.ByName : MapPinning.None,
                };
                _mapsBySymbol[(section.Index, symbol.Value)] = _maps.Count;
                _maps.Add(map);
            }
        }

        private void ReadBtfMaps()
        {
            if (elf.FindSection(".maps") is not { } section) return;
            var btf = _object.Btf;
            var symbols = DataSymbolsIn(section);
            if (symbols.Count == 0) return;
            if (btf is null) throw new BpfElfException(section.Name, Where(section), "BTF-defined maps need a .BTF section, and the object has none");
            var dataSection = btf.FindByName(".maps", BtfKind.DataSection) ??
                throw new BpfElfException(".BTF", elf.FindSection(".BTF")!.Offset, "no DATASEC '.maps' describes the .maps section");
            try
            {
                foreach (var variable in dataSection.Variables)
                {
                    var variableType = btf.GetType(variable.TypeId);
                    if (variableType.Kind != BtfKind.Var)
                        throw new BpfElfException(".BTF", elf.FindSection(".BTF")!.Offset, $"DATASEC '.maps' entry type [{variable.TypeId}] is {variableType.Kind}, not VAR");
                    var map = ReadBtfMapDefinition(btf, variableType.Name, variableType.SizeOrType, section, 0);
                    // Compilers leave DATASEC offsets 0 in object files (libbpf fixes them up from the symbol table), so the
                    // symbol of the same name gives the definition's place in the section.
                    var symbol = symbols.FirstOrDefault(s => s.Name == variableType.Name);
                    _mapsBySymbol[(section.Index, symbol?.Value ?? variable.Offset)] = _maps.Count;
                    _maps.Add(map);
                }
            }
            catch (BpfBtfException e)
            {
                throw new BpfElfException(".BTF", elf.FindSection(".BTF")!.Offset + e.Offset, e.Problem, e);
            }
            foreach (var symbol in symbols)
                if (!_mapsBySymbol.ContainsKey((section.Index, symbol.Value)))
                    throw new BpfElfException(section.Name, symbol.FileOffset, $"map symbol '{symbol.Name}' at offset {symbol.Value} has no BTF definition in DATASEC '.maps'");
        }

        private MapDefinition ReadBtfMapDefinition(BtfData btf, string name, uint structTypeId, ElfSection section, int depth)
        {
            var definition = btf.ResolveModifiers(structTypeId);
            BpfElfException Bad(string problem) => new(section.Name, Where(section), $"map '{name}': {problem}");
            if (definition.Kind != BtfKind.Struct) throw Bad($"definition type [{definition.Id}] is {definition.Kind}, not a struct");
            var map = new MapDefinition { Name = name, Type = MapType.Unspecified };
            foreach (var member in definition.Members)
            {
                uint UIntValue()
                {
                    // __uint(name, N) declares `int (*name)[N]`: the number is the array's element count.
                    var pointer = btf.ResolveModifiers(member.TypeId);
                    if (pointer.Kind != BtfKind.Pointer) throw Bad($"member '{member.Name}' is {pointer.Kind}, expected a pointer (__uint)");
                    var array = btf.ResolveModifiers(pointer.SizeOrType);
                    if (array.Kind != BtfKind.Array) throw Bad($"member '{member.Name}' points to {array.Kind}, expected an array (__uint)");
                    return array.Array!.Count;
                }

                (uint Size, uint TypeId) TypeValue()
                {
                    // __type(name, T) declares `T *name`.
                    var pointer = btf.ResolveModifiers(member.TypeId);
                    if (pointer.Kind != BtfKind.Pointer) throw Bad($"member '{member.Name}' is {pointer.Kind}, expected a pointer (__type)");
                    ulong size = btf.SizeOf(pointer.SizeOrType);
                    if (size > uint.MaxValue) throw Bad($"member '{member.Name}' type is {size} bytes");
                    return ((uint)size, pointer.SizeOrType);
                }

                switch (member.Name)
                {
                    case "type": map = map with { Type = (MapType)UIntValue() }; break;
                    case "max_entries": map = map with { MaxEntries = UIntValue() }; break;
                    case "map_flags": map = map with { Flags = UIntValue() }; break;
                    case "key_size": map = map with { KeySize = UIntValue() }; break;
                    case "value_size": map = map with { ValueSize = UIntValue() }; break;
                    case "map_extra": map = map with { MapExtra = UIntValue() }; break;
                    case "pinning": map = map with { Pinning = (MapPinning)UIntValue() }; break;
                    case "numa_node": UIntValue(); break;
                    case "key":
                        var key = TypeValue();
                        map = map with { KeySize = key.Size, BtfKeyTypeId = key.TypeId };
                        break;
                    case "value":
                        var value = TypeValue();
                        map = map with { ValueSize = value.Size, BtfValueTypeId = value.TypeId, SpinLockOffset = SpinLockOffsetIn(btf, value.TypeId) };
                        break;
                    case "values":
                        // __array(values, T) declares `T *values[]`; T is the inner map definition for map-in-map
                        // and a function prototype for program arrays.
                        var array = btf.ResolveModifiers(member.TypeId);
                        if (array.Kind != BtfKind.Array) throw Bad($"member 'values' is {array.Kind}, expected an array (__array)");
                        var element = btf.ResolveModifiers(array.Array!.ElementTypeId);
                        if (element.Kind != BtfKind.Pointer) throw Bad($"'values' elements are {element.Kind}, expected pointers");
                        var inner = btf.ResolveModifiers(element.SizeOrType);
                        if (inner.Kind == BtfKind.Struct)
                        {
                            if (depth >= MaxInnerMapDepth) throw Bad("map-in-map definitions are nested too deeply");
                            map = map with { InnerMap = ReadBtfMapDefinition(btf, name + ".inner", inner.Id, section, depth + 1), ValueSize = 4 };
                        }
                        else if (inner.Kind == BtfKind.FuncProto) map = map with { ValueSize = 4 };
                        else throw Bad($"'values' elements point to {inner.Kind}, expected a map definition struct or a function prototype");
                        break;
                }
            }
            return map;
        }

        private void ReadGlobalData()
        {
            foreach (var section in elf.Sections)
            {
                bool rodata = IsDataSection(section.Name, ".rodata");
                if (!(rodata || IsDataSection(section.Name, ".data") || IsDataSection(section.Name, ".bss"))) continue;
                if ((section.Flags & ElfSection.FlagAlloc) == 0 || section.IsExecutable || section.Size == 0) continue;
                if (section.Type is not (SectionType.ProgBits or SectionType.NoBits)) continue;
                if (section.Size < 0 || section.Size > MaxZeroFilledSection)
                    // Located at the header's size field: a NOBITS section's file offset means nothing (and may be any value).
                    throw new BpfElfException(section.Name, section.HeaderOffset + 32, $"global data section of {section.Size} bytes is larger than the {MaxZeroFilledSection}-byte limit");
                var value = section.HasFileBytes ? elf.Contents(section).ToArray() : new byte[section.Size];
                _dataMaps[section.Index] = _maps.Count;
                _maps.Add(new MapDefinition
                {
                    Name = section.Name,
                    Type = MapType.Array,
                    KeySize = 4,
                    ValueSize = (uint)section.Size,
                    MaxEntries = 1,
                    Flags = FlagMmapable | (rodata ? FlagReadOnlyProgram : 0),
                    InitialValue = value,
                    ReadOnlyForPrograms = rodata,
                });
            }

            static bool IsDataSection(string name, string prefix) =>
                name == prefix || (name.StartsWith(prefix, StringComparison.Ordinal) && name[prefix.Length] == '.');
        }

        // Where an error about a section points: its bytes, or its header when it has none in the file (a NOBITS
        // section's offset field is not checked and may hold anything).
        private static long Where(ElfSection section) => section.HasFileBytes ? section.Offset : section.HeaderOffset;

        private Instruction[] CodeOf(ElfSection section)
        {
            if (_code.TryGetValue(section.Index, out var code)) return code;
            if (!section.HasFileBytes)
                throw new BpfElfException(section.Name, section.HeaderOffset, "executable section has no file contents (SHT_NOBITS)");
            if (section.Size % Instruction.Size != 0)
                throw new BpfElfException(section.Name, section.Offset, $"code section size {section.Size} is not a multiple of 8");
            var bytes = elf.Contents(section);
            code = new Instruction[bytes.Length / Instruction.Size];
            for (int i = 0; i < code.Length; i++) code[i] = Instruction.ReadFrom(bytes.Slice(i * Instruction.Size, Instruction.Size));
            _code[section.Index] = code;

            var relocations = new Dictionary<long, (ElfSection, ElfRelocation)>();
            if (elf.RelocationsByTarget.TryGetValue(section.Index, out var tables))
            {
                foreach (var (table, entries) in tables)
                    foreach (var entry in entries)
                    {
                        if (entry.Offset % Instruction.Size != 0 || entry.Offset >= (ulong)section.Size)
                            throw new BpfElfException(table.Name, entry.FileOffset, $"relocation offset 0x{entry.Offset:x} is not an instruction of '{section.Name}' (size 0x{section.Size:x})");
                        if (!relocations.TryAdd((long)(entry.Offset / Instruction.Size), (table, entry)))
                            throw new BpfElfException(table.Name, entry.FileOffset, $"second relocation for the instruction at offset 0x{entry.Offset:x} of '{section.Name}'");
                    }
            }
            _relocationsAt[section.Index] = relocations;
            return code;
        }

        private void ReadPrograms()
        {
            var programs = new List<BpfProgram>();
            foreach (var section in elf.Sections)
            {
                if (!section.IsExecutable || section.Name == ".text" || section.Size == 0 || !section.HasFileBytes) continue;
                var code = CodeOf(section);
                var functions = elf.Symbols.Where(s => s.SectionIndex == section.Index && s.Type == ElfSymbol.TypeFunc && s.Bind == ElfSymbol.BindGlobal)
                    .OrderBy(s => s.Value).ToList();
                var info = ProgramSections.Classify(section.Name);
                if (functions.Count == 0)
                {
                    programs.Add(Link(section.Name, section, 0, code.Length, info));
                    continue;
                }
                long previousEnd = 0;
                foreach (var function in functions)
                {
                    var (start, length) = FunctionRange(function, section);
                    if (start < previousEnd)
                        throw new BpfElfException(section.Name, function.FileOffset, $"program '{function.Name}' overlaps the previous program in the section");
                    previousEnd = start + length;
                    programs.Add(Link(function.Name, section, start, length, info));
                }
            }
            // Benchmark suites and libraries keep all their code in .text: when nothing else is code, its global
            // functions are the programs, of no particular type (the raw memory type).
            if (programs.Count == 0 && elf.FindSection(".text") is { IsExecutable: true, Size: > 0, HasFileBytes: true } text)
            {
                CodeOf(text);
                var untyped = new ProgramSectionInfo(ProgramTypes.BpfProgramType.Unspecified, ProgramTypes.BpfAttachType.None, null);
                foreach (var function in elf.Symbols.Where(s => s.SectionIndex == text.Index && s.Type == ElfSymbol.TypeFunc && s.Bind == ElfSymbol.BindGlobal).OrderBy(s => s.Value))
                {
                    var (start, length) = FunctionRange(function, text);
                    programs.Add(Link(function.Name, text, start, length, untyped));
                }
            }
            _object.Programs = programs;
        }

        private (int Start, int Length) FunctionRange(ElfSymbol function, ElfSection section)
        {
            if (function.Value % Instruction.Size != 0 || function.Size % Instruction.Size != 0 || function.Size == 0)
                throw new BpfElfException(section.Name, function.FileOffset, $"function '{function.Name}' at 0x{function.Value:x} with size 0x{function.Size:x} is not a whole, non-empty number of instructions");
            if (function.Value > (ulong)section.Size || (ulong)section.Size - function.Value < function.Size)
                throw new BpfElfException(section.Name, function.FileOffset, $"function '{function.Name}' at 0x{function.Value:x} with size 0x{function.Size:x} extends past the section (size 0x{section.Size:x})");
            return ((int)(function.Value / Instruction.Size), (int)(function.Size / Instruction.Size));
        }

        private sealed record Piece(ElfSection Section, int Start, int Length, int Base, string Name);

        private BpfProgram Link(string programName, ElfSection programSection, int start, int length, ProgramSectionInfo info)
        {
            var pieces = new List<Piece> { new(programSection, start, length, 0, programName) };
            var linked = new Dictionary<(int Section, int Start), int>();
            int totalLength = length;
            var output = new List<Instruction>(length);
            var origins = new List<(ElfSection Section, int Index)>(length);

            int LinkFunction(ElfSection section, long target, long fileOffset, ElfSection reportSection)
            {
                var code = CodeOf(section);
                if (target < 0 || target >= code.Length)
                    throw new BpfElfException(reportSection.Name, fileOffset, $"program '{programName}': call target {target} is outside '{section.Name}' ({code.Length} instructions)");
                if (linked.TryGetValue((section.Index, (int)target), out int existing)) return existing;
                var function = elf.Symbols.FirstOrDefault(s => s.SectionIndex == section.Index && s.Type == ElfSymbol.TypeFunc && s.Value == (ulong)target * Instruction.Size)
                    ?? throw new BpfElfException(reportSection.Name, fileOffset, $"program '{programName}': call target {target} in '{section.Name}' is not the start of a function symbol");
                var (functionStart, functionLength) = FunctionRange(function, section);
                int functionBase = totalLength;
                totalLength += functionLength;
                linked[(section.Index, functionStart)] = functionBase;
                pieces.Add(new Piece(section, functionStart, functionLength, functionBase, function.Name));
                return functionBase;
            }

            for (int p = 0; p < pieces.Count; p++)
            {
                var piece = pieces[p];
                var code = CodeOf(piece.Section);
                var relocations = _relocationsAt[piece.Section.Index];
                for (int k = piece.Start; k < piece.Start + piece.Length; k++)
                {
                    output.Add(code[k]);
                    origins.Add((piece.Section, k));
                }
                for (int k = piece.Start; k < piece.Start + piece.Length; k++)
                {
                    int index = piece.Base + k - piece.Start;
                    var instruction = code[k];
                    long instructionOffset = piece.Section.Offset + (long)k * Instruction.Size;
                    var form = OpcodeTable.Lookup(instruction);
                    if (relocations.TryGetValue(k, out var relocation))
                    {
                        ApplyRelocation(programName, piece, k, index, instruction, form, relocation.Table, relocation.Entry, output, LinkFunction);
                        continue;
                    }
                    if (form?.Operation == Operation.CallLocal)
                    {
                        long target = (long)k + 1 + instruction.Immediate;
                        if (target >= piece.Start && target < piece.Start + piece.Length) continue;
                        int targetBase = LinkFunction(piece.Section, target, instructionOffset, piece.Section);
                        output[index] = instruction.WithImmediate(targetBase - (index + 1));
                        _relocations.Add(new BpfRelocation(programName, index, BpfRelocationKind.SubprogramCall, piece.Section.Name, null, targetBase, -1));
                    }
                    else if (form?.Operation == Operation.LoadImm64 && (LoadImm64Source)form.DiscriminatorValue == LoadImm64Source.CodeAddress)
                        throw new BpfElfException(piece.Section.Name, instructionOffset, $"program '{programName}': lddw of a function address at instruction {k} has no relocation");
                }
            }

            Bytecode bytecode;
            try
            {
                bytecode = Bytecode.FromInstructions(output);
            }
            catch (BpfDecodeException e)
            {
                var (section, sectionIndex) = e.InstructionIndex >= 0 && e.InstructionIndex < origins.Count ? origins[e.InstructionIndex] : (programSection, start);
                throw new BpfElfException(section.Name, section.Offset + (long)sectionIndex * Instruction.Size, $"program '{programName}': {e.Message}", e);
            }
            var functions = pieces.Select(p => new BpfFunction(p.Name, p.Section.Name, p.Base, p.Length)).ToArray();
            return new BpfProgram(programName, programSection.Name, info, bytecode, functions, LinesFor(origins));
        }

        private delegate int FunctionLinker(ElfSection section, long target, long fileOffset, ElfSection reportSection);

        private void ApplyRelocation(string programName, Piece piece, int k, int index, Instruction instruction, InstructionForm? form,
            ElfSection table, ElfRelocation relocation, List<Instruction> output, FunctionLinker linkFunction)
        {
            var symbol = elf.Symbols[relocation.SymbolIndex];
            BpfElfException Bad(string problem) => new(table.Name, relocation.FileOffset, $"program '{programName}', instruction {k} of '{piece.Section.Name}': {problem}");
            string symbolName = symbol.Type == ElfSymbol.TypeSection && symbol.IsDefinedInSection ? elf.Sections[symbol.SectionIndex].Name : symbol.Name;

            if (!symbol.IsDefinedInSection)
            {
                if (form?.Flow == FlowControl.Call)
                    throw Bad($"calls undefined external function '{symbol.Name}' (clang emits such calls for memset/memcpy it could not inline; SharpBpf does not provide them as builtins)");
                throw Bad($"references undefined symbol '{symbol.Name}' (extern variables and kfuncs are not supported)");
            }
            var targetSection = elf.Sections[symbol.SectionIndex];

            if (form?.Operation == Operation.CallLocal)
            {
                if (relocation.Type != RelocationBpf64_32) throw Bad($"call has relocation type {relocation.Type}, expected R_BPF_64_32 (10)");
                if (!targetSection.IsExecutable) throw Bad($"call target symbol '{symbolName}' is in non-code section '{targetSection.Name}'");
                long targetByte = (long)symbol.Value + (relocation.HasExplicitAddend ? relocation.Addend : ((long)instruction.Immediate + 1) * Instruction.Size);
                if (targetByte % Instruction.Size != 0) throw Bad($"call target byte offset {targetByte} is not instruction-aligned");
                int targetBase = linkFunction(targetSection, targetByte / Instruction.Size, relocation.FileOffset, table);
                output[index] = instruction.WithImmediate(targetBase - (index + 1));
                _relocations.Add(new BpfRelocation(programName, index, BpfRelocationKind.SubprogramCall, symbolName, null, targetBase, relocation.FileOffset));
                return;
            }
            if (form?.Operation != Operation.LoadImm64)
                throw Bad($"relocation against '{symbolName}' is on {(form is null ? $"unknown opcode 0x{instruction.Opcode:x2}" : form.Mnemonic)}, expected lddw or call");
            if (relocation.Type != RelocationBpf64_64) throw Bad($"lddw has relocation type {relocation.Type}, expected R_BPF_64_64 (1)");
            if (k + 1 >= piece.Start + piece.Length) throw Bad("lddw is missing its second slot");
            long addend = relocation.HasExplicitAddend ? relocation.Addend : instruction.Immediate;
            var next = output[index + 1];

            if (_mapsBySymbol.TryGetValue((symbol.SectionIndex, (ulong)((long)symbol.Value + (symbol.Type == ElfSymbol.TypeSection ? addend : 0))), out int mapIndex))
            {
                output[index] = instruction.WithSrc((int)LoadImm64Source.MapIndex).WithImmediate(mapIndex);
                output[index + 1] = next.WithImmediate(0);
                _relocations.Add(new BpfRelocation(programName, index, BpfRelocationKind.Map, symbolName, mapIndex, 0, relocation.FileOffset));
            }
            else if (_dataMaps.TryGetValue(symbol.SectionIndex, out int dataIndex))
            {
                long offset = (long)symbol.Value + addend;
                if (offset < 0 || offset >= targetSection.Size) throw Bad($"offset {offset} into '{targetSection.Name}' is outside its {targetSection.Size} bytes");
                output[index] = instruction.WithSrc((int)LoadImm64Source.MapIndexValue).WithImmediate(dataIndex);
                output[index + 1] = next.WithImmediate((int)offset);
                _relocations.Add(new BpfRelocation(programName, index, BpfRelocationKind.GlobalData, symbolName, dataIndex, offset, relocation.FileOffset));
            }
            else if (targetSection.IsExecutable)
            {
                long targetByte = (long)symbol.Value + addend;
                if (targetByte % Instruction.Size != 0) throw Bad($"function address byte offset {targetByte} is not instruction-aligned");
                int targetBase = linkFunction(targetSection, targetByte / Instruction.Size, relocation.FileOffset, table);
                output[index] = instruction.WithSrc((int)LoadImm64Source.CodeAddress).WithImmediate(targetBase - (index + 1));
                output[index + 1] = next.WithImmediate(0);
                _relocations.Add(new BpfRelocation(programName, index, BpfRelocationKind.FunctionAddress, symbolName, null, targetBase, relocation.FileOffset));
            }
            else if (targetSection.Name is "maps" or ".maps")
                throw Bad($"symbol '{symbolName}' at offset {symbol.Value} of '{targetSection.Name}' is not a map definition");
            else
                throw Bad($"lddw references '{symbolName}' in section '{targetSection.Name}', which is neither a map, global data nor code");
        }

        private BpfSourceLine[] LinesFor(List<(ElfSection Section, int Index)> origins)
        {
            if (_object.BtfExt is not { } ext) return [];
            var lines = new List<BpfSourceLine>();
            var bySection = new Dictionary<int, Dictionary<uint, BtfLineInfo>?>();
            for (int i = 0; i < origins.Count; i++)
            {
                var (section, index) = origins[i];
                if (!bySection.TryGetValue(section.Index, out var map))
                {
                    map = null;
                    if (ext.LineInfo.TryGetValue(section.Name, out var records))
                    {
                        map = [];
                        foreach (var record in records) map.TryAdd(record.InstructionOffset, record);
                    }
                    bySection[section.Index] = map;
                }
                if (map is not null && map.TryGetValue((uint)index * Instruction.Size, out var line))
                    lines.Add(new BpfSourceLine(i, line.FileName, (int)line.Line, (int)line.Column, line.SourceText));
            }
            return lines.ToArray();
        }
    }

    /// <summary>Byte offset of a top-level <c>struct bpf_spin_lock</c> member in a map value type, or -1.</summary>
    private static int SpinLockOffsetIn(BtfData btf, uint valueTypeId)
    {
        if (valueTypeId == 0) return -1;
        var value = btf.ResolveModifiers(valueTypeId);
        if (value.Kind != BtfKind.Struct) return -1;
        foreach (var member in value.Members)
        {
            var type = btf.ResolveModifiers(member.TypeId);
            if (type.Kind == BtfKind.Struct && type.Name == "bpf_spin_lock") return (int)(member.BitOffset / 8);
        }
        return -1;
    }
}

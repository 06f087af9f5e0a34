using System.Buffers.Binary;
using SharpBpf.Btf;
using SharpBpf.Verifier;
using SharpBpf.Elf;
using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Jit;
using SharpBpf.Maps;
using SharpBpf.Memory;
using SharpBpf.ProgramTypes;
using SharpBpf.Runtime;

namespace SharpBpf.Loader;

/// <summary>
/// An object file made runnable, as libbpf's <c>bpf_object__load</c> does without a kernel: every map created
/// (global data with its initial image, <c>.rodata</c> read-only to programs, map-in-map and program-array slots the
/// object initialises filled in), and every program's map references resolved (<see cref="LoadedProgram"/>).
/// Disposing it frees the maps.
/// </summary>
public sealed class LoadedObject : IDisposable
{
    private readonly BpfMap[] _maps;
    private readonly List<LoadedProgram> _programs = [];
    private readonly Dictionary<string, BpfExecutable> _tailCallTargets = [];

    private LoadedObject(BpfObject obj, LoadOptions options)
    {
        Object = obj;
        Options = options;
        Helpers = PacketHelpers.Register(StandardHelpers.Register(new HelperTable(), options.Environment));
        foreach (var helper in options.ExtraHelpers) Helpers.Register(helper);
        _maps = new BpfMap[obj.Maps.Count];
    }

    /// <summary>The object as read from the ELF file.</summary>
    public BpfObject Object { get; }

    /// <summary>The options it was loaded with.</summary>
    public LoadOptions Options { get; }

    /// <summary>The helpers every program of the object gets: the standard helpers and <see cref="LoadOptions.ExtraHelpers"/>.</summary>
    public HelperTable Helpers { get; }

    /// <summary>The created maps, in the order of <see cref="BpfObject.Maps"/>.</summary>
    public IReadOnlyList<BpfMap> Maps => _maps;

    /// <summary>The programs, in the order of <see cref="BpfObject.Programs"/>.</summary>
    public IReadOnlyList<LoadedProgram> Programs => _programs;

    /// <summary>Reads, parses and loads an object file.</summary>
    /// <exception cref="BpfElfException">The file is not a loadable BPF object.</exception>
    /// <exception cref="BpfLoadException">A map cannot be created or a reference resolved.</exception>
    public static LoadedObject LoadFile(string path, LoadOptions? options = null)
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
        return Load(bytes, options);
    }

    /// <summary>Parses and loads an object file's bytes, including the map slots it initialises.</summary>
    /// <exception cref="BpfElfException">The bytes are not a loadable BPF object.</exception>
    /// <exception cref="BpfLoadException">A map cannot be created or a reference resolved.</exception>
    /// <exception cref="BpfVerifierException">With <see cref="LoadOptions.Verify"/>, the verifier rejects a program.</exception>
    public static LoadedObject Load(ReadOnlySpan<byte> elf, LoadOptions? options = null) => Load(BpfObject.Load(elf), options);

    /// <summary>
    /// Loads a parsed object, including the map slots its file initialises (<c>.values</c>): the object keeps the
    /// file it was parsed from, so this is the same as loading the file's bytes.
    /// </summary>
    /// <exception cref="BpfLoadException">A map cannot be created or a reference resolved.</exception>
    /// <exception cref="BpfVerifierException">With <see cref="LoadOptions.Verify"/>, the verifier rejects a program.</exception>
    public static LoadedObject Load(BpfObject obj, LoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return Load(obj, options, MapInitializers.Read(obj));
    }

    private static LoadedObject Load(BpfObject obj, LoadOptions? options, IReadOnlyList<MapSlotInitializer> initializers)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var loaded = new LoadedObject(obj, options ?? new LoadOptions());
        try
        {
            loaded.CreateMaps();
            foreach (var program in obj.Programs) loaded._programs.Add(loaded.Resolve(program));
            loaded.Initialize(initializers);
            if (loaded.Options.Verify)
                foreach (var program in loaded._programs) loaded.VerifyProgram(program);
            return loaded;
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
    }

    /// <summary>Runs the verifier on the program as the object file gave it (map references still by index).</summary>
    /// <exception cref="BpfVerifierException">The program is rejected; the message names the instruction and reason.</exception>
    private void VerifyProgram(LoadedProgram program)
    {
        var source = program.Source;
        var input = new VerifierInput(source.Bytecode, source.Type, Object.Maps, Helpers)
        {
            SourceLine = pc => source.SourceLineAt(pc)?.ToString(),
        };
        var result = BpfVerifier.Verify(input, Options.Verifier);
        if (!result.Accepted)
            throw new BpfVerifierException(result.Error! with { Reason = $"program '{source.Name}' ({source.SectionName}): {result.Error!.Reason}" }, result.Log);
        program.MarkVerified(result.StackDepth);
    }

    private void CreateMaps()
    {
        for (int i = 0; i < Object.Maps.Count; i++)
        {
            var definition = Object.Maps[i];
            try
            {
                _maps[i] = BpfMap.Create(definition);
            }
            catch (BpfMapException e)
            {
                throw new BpfLoadException($"map '{definition.Name}' ({definition.Type}): {e.Message}", e);
            }
        }
    }

    private LoadedProgram Resolve(BpfProgram program)
    {
        ResolvedMapReferences resolved;
        try
        {
            resolved = MapReferenceResolver.Resolve(program.Bytecode, LoadImm64Source.MapIndex, LoadImm64Source.MapIndexValue,
                index => (uint)index < (uint)_maps.Length ? _maps[index] : null);
        }
        catch (MapReferenceException e)
        {
            string count = e.Errno == -Errno.EBADF ? $" (the object has {_maps.Length} maps)" : "";
            throw new BpfLoadException($"program '{program.Name}' ({program.SectionName}), {e.Message}{count}", e);
        }
        var regions = resolved.References.Values.Select(r => r.Map).Distinct().SelectMany(m => m.Regions).ToArray();
        return new LoadedProgram(this, program, resolved.Code, resolved.References, regions);
    }

    private void Initialize(IReadOnlyList<MapSlotInitializer> initializers)
    {
        foreach (var slot in initializers)
        {
            var outer = _maps[slot.MapIndex];
            if (slot.TargetIsProgram)
            {
                if (outer is not ProgramArrayMap) throw new BpfLoadException($"map '{outer.Name}': slot {slot.Slot} holds program '{slot.TargetName}', but the map is a {outer.Type} map");
                SetTailCall(outer.Name, slot.Slot, slot.TargetName);
                continue;
            }
            var inner = FindMap(slot.TargetName) ?? throw new BpfLoadException($"map '{outer.Name}': slot {slot.Slot} refers to '{slot.TargetName}', which is not a map of the object");
            try
            {
                switch (outer)
                {
                    case ArrayOfMapsMap array: array.SetMap(slot.Slot, inner); break;
                    case HashOfMapsMap hash:
                        var key = new byte[4];
                        BinaryPrimitives.WriteUInt32LittleEndian(key, slot.Slot);
                        if (hash.KeySize != 4) throw new BpfLoadException($"map '{outer.Name}': initialised slots need a 4-byte key, the map's is {hash.KeySize}");
                        int result = hash.SetMap(key, inner);
                        if (result != 0) throw new BpfLoadException($"map '{outer.Name}': cannot put '{inner.Name}' at key {slot.Slot} (errno {-result})");
                        break;
                    default: throw new BpfLoadException($"map '{outer.Name}': slot {slot.Slot} holds map '{inner.Name}', but the map is a {outer.Type} map");
                }
            }
            catch (BpfMapException e)
            {
                throw new BpfLoadException($"map '{outer.Name}': cannot put '{inner.Name}' in slot {slot.Slot}: {e.Message}", e);
            }
        }
    }

    /// <summary>The map named <paramref name="name"/>, or null.</summary>
    public BpfMap? FindMap(string name)
    {
        int index = Object.FindMap(name);
        return index < 0 ? null : _maps[index];
    }

    /// <summary>The map named <paramref name="name"/>.</summary>
    /// <exception cref="BpfLoadException">The object has no such map.</exception>
    public BpfMap GetMap(string name) =>
        FindMap(name) ?? throw new BpfLoadException($"the object has no map '{name}' (maps: {string.Join(", ", _maps.Select(m => m.Name))})");

    /// <summary>The program named <paramref name="name"/>, or null.</summary>
    public LoadedProgram? FindProgram(string name) => _programs.FirstOrDefault(p => p.Name == name);

    /// <summary>The program named <paramref name="name"/>.</summary>
    /// <exception cref="BpfLoadException">The object has no such program.</exception>
    public LoadedProgram GetProgram(string name) =>
        FindProgram(name) ?? throw new BpfLoadException($"the object has no program '{name}' (programs: {string.Join(", ", _programs.Select(p => p.Name))})");

    /// <summary>
    /// Puts program <paramref name="programName"/> in slot <paramref name="index"/> of program array
    /// <paramref name="mapName"/>, built once per program with <see cref="LoadOptions.Engine"/>.
    /// </summary>
    /// <exception cref="BpfLoadException">Unknown map or program, the map is not a program array, or the index is out of range.</exception>
    public void SetTailCall(string mapName, uint index, string programName)
    {
        var program = GetProgram(programName);
        if (!_tailCallTargets.TryGetValue(programName, out var executable))
        {
            // A packet program tail-calls into programs that read the same rewritten packet context.
            executable = PacketProgram.Supports(program.Type)
                ? program.CreatePacketProgram(Options.Engine, Options.JitOptions).Executable
                : program.CreateExecutable(Options.Engine, Options.JitOptions).Executable;
            _tailCallTargets[programName] = executable;
        }
        SetTailCall(mapName, index, executable);
    }

    /// <summary>Puts <paramref name="executable"/> (or nothing) in slot <paramref name="index"/> of program array <paramref name="mapName"/>.</summary>
    /// <exception cref="BpfLoadException">Unknown map, not a program array, or the index is out of range.</exception>
    public void SetTailCall(string mapName, uint index, BpfExecutable? executable)
    {
        if (GetMap(mapName) is not ProgramArrayMap programs) throw new BpfLoadException($"map '{mapName}' is a {GetMap(mapName).Type} map, not a program array");
        if (index >= (uint)programs.MaxEntries) throw new BpfLoadException($"index {index} is outside program array '{mapName}' ({programs.MaxEntries} slots)");
        programs.Set(index, executable);
    }

    /// <summary>Frees every map. Programs of the object must not run afterwards.</summary>
    public void Dispose()
    {
        foreach (var map in _maps) map?.Dispose();
    }
}

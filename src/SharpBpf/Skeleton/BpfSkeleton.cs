using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SharpBpf.Elf;
using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Jit;
using SharpBpf.Maps;
using SharpBpf.ProgramTypes;
using SharpBpf.Runtime;

namespace SharpBpf.Skeleton;

/// <summary>How a skeleton loads its object.</summary>
public sealed record SkeletonOptions
{
    /// <summary>Engine choice for the programs.</summary>
    public EngineChoice Engine { get; init; } = EngineChoice.Auto;

    /// <summary>JIT settings.</summary>
    public JitOptions? JitOptions { get; init; }

    /// <summary>Helpers; null gives the standard and packet helpers.</summary>
    public HelperTable? Helpers { get; init; }
}

/// <summary>
/// The runtime half of a generated skeleton (<c>sharpbpf gen skeleton</c>): loads the embedded object, creates its
/// maps (global data sections become single-entry array maps initialised from the object), resolves map
/// references and builds each program's executable on first use. Generated classes derive from it and add typed
/// properties for programs, maps and global variables.
/// </summary>
public abstract class BpfSkeleton : IDisposable
{
    private readonly BpfMap[] _maps;
    private readonly Dictionary<string, SkeletonProgram> _programs = new(StringComparer.Ordinal);

    /// <summary>Loads <paramref name="elf"/> and creates its maps.</summary>
    /// <exception cref="BpfElfException">The object is malformed.</exception>
    protected BpfSkeleton(ReadOnlySpan<byte> elf, SkeletonOptions? options)
    {
        Options = options ?? new SkeletonOptions();
        Object = BpfObject.Load(elf);
        Helpers = Options.Helpers ?? PacketProgram.DefaultHelpers();
        _maps = Object.Maps.Select(BpfMap.Create).ToArray();
        foreach (var program in Object.Programs)
            _programs[program.Name] = new SkeletonProgram(this, program);
    }

    /// <summary>The parsed object.</summary>
    public BpfObject Object { get; }

    /// <summary>Load options.</summary>
    public SkeletonOptions Options { get; }

    /// <summary>The helpers programs get.</summary>
    public HelperTable Helpers { get; }

    /// <summary>The maps, in <see cref="BpfObject.Maps"/> order.</summary>
    public IReadOnlyList<BpfMap> Maps => _maps;

    /// <summary>The programs.</summary>
    public IReadOnlyCollection<SkeletonProgram> Programs => _programs.Values;

    /// <summary>The map named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such map.</exception>
    public BpfMap GetMap(string name) => _maps.FirstOrDefault(m => m.Name == name) ?? throw new KeyNotFoundException($"the object has no map '{name}'");

    /// <summary>The program named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such program.</exception>
    public SkeletonProgram GetProgram(string name) => _programs.TryGetValue(name, out var program) ? program : throw new KeyNotFoundException($"the object has no program '{name}'");

    /// <summary>The global variable of type <typeparamref name="T"/> at <paramref name="offset"/> of the data section map <paramref name="section"/>.</summary>
    protected GlobalVariable<T> Global<T>(string section, int offset) where T : unmanaged =>
        new(GetMap(section) as ArrayMap ?? throw new InvalidOperationException($"map '{section}' is not a global data map"), offset);

    /// <summary>Disposes the maps.</summary>
    public void Dispose()
    {
        foreach (var map in _maps) map.Dispose();
        GC.SuppressFinalize(this);
    }

    internal Bytecode Resolve(Bytecode code) => MapReferenceResolver.ResolveObjectMaps(code, _maps);
}

/// <summary>A program of a skeleton: built for its engine on first use, run as its type requires.</summary>
public sealed class SkeletonProgram
{
    private readonly BpfSkeleton _owner;
    private readonly Lazy<BpfExecutable> _executable;
    private readonly Lazy<PacketProgram?> _packet;

    internal SkeletonProgram(BpfSkeleton owner, BpfProgram program)
    {
        _owner = owner;
        Source = program;
        _executable = new(() =>
        {
            var code = owner.Resolve(program.Bytecode);
            if (PacketProgram.Supports(program.Type)) code = PacketProgram.Prepare(program.Type, code);
            return RuntimeSelector.Select(code, owner.Helpers, owner.Options.Engine, owner.Options.JitOptions).Executable;
        });
        _packet = new(() => PacketProgram.Supports(program.Type) ? new PacketProgram(program.Type, Executable, owner.Maps) : null);
    }

    /// <summary>The program as parsed.</summary>
    public BpfProgram Source { get; }

    /// <summary>Its name.</summary>
    public string Name => Source.Name;

    /// <summary>Its type.</summary>
    public BpfProgramType Type => Source.Type;

    /// <summary>The executable (map references resolved, context accesses rewritten for packet types).</summary>
    public BpfExecutable Executable => _executable.Value;

    /// <summary>The packet program for packet types; null otherwise.</summary>
    public PacketProgram? Packet => _packet.Value;

    /// <summary>Runs a packet program on <paramref name="input"/>.</summary>
    /// <exception cref="InvalidOperationException">The program is not of a packet type.</exception>
    public PacketRunResult Run(PacketInput input) =>
        (Packet ?? throw new InvalidOperationException($"program '{Name}' is a {Type} program, not a packet program")).Run(input);

    /// <summary>Runs the program with r1 = <paramref name="memory"/> (raw memory and context-pointer types); the object's maps are reachable.</summary>
    /// <exception cref="InvalidOperationException">The program is of a packet type (use <see cref="Run(PacketInput)"/>).</exception>
    public ulong Run(Span<byte> memory)
    {
        if (PacketProgram.Supports(Type)) throw new InvalidOperationException($"program '{Name}' is a {Type} program: run it on a packet");
        var bytes = memory.ToArray();
        using var block = new Memory.NativeBlock(bytes.Length);
        bytes.CopyTo(block.Span);
        var run = Executable.RentContext();
        if (bytes.Length > 0) run.AddRegion(new Memory.MemoryRegion(block.Address, (ulong)bytes.Length, Memory.MemoryAccess.ReadWrite, "memory"));
        run.PacketStart = block.Address;
        run.PacketLength = (ulong)bytes.Length;
        foreach (var map in _owner.Maps) map.AddRegionsTo(run);
        ulong r0 = Executable.Run(run, block.Address, (ulong)bytes.Length);
        block.Span.CopyTo(memory);
        return r0;
    }
}

/// <summary>A global variable of a skeleton: a live view of its bytes inside the data section's map value.</summary>
/// <typeparam name="T">The variable's type.</typeparam>
public sealed class GlobalVariable<T> where T : unmanaged
{
    private readonly ArrayMap _map;
    private readonly int _offset;

    internal GlobalVariable(ArrayMap map, int offset)
    {
        int size = Unsafe.SizeOf<T>();
        if (offset < 0 || offset + size > map.ValueSize)
            throw new ArgumentOutOfRangeException(nameof(offset), $"{size} bytes at offset {offset} are outside the {map.ValueSize}-byte section '{map.Name}'");
        _map = map;
        _offset = offset;
    }

    /// <summary>The variable's bytes (a live view: writes are seen by programs).</summary>
    public Span<byte> Bytes => _map.ValueSpan(0).Slice(_offset, Unsafe.SizeOf<T>());

    /// <summary>The value; setting it writes the map value programs read.</summary>
    public T Value
    {
        get => MemoryMarshal.Read<T>(Bytes);
        set => MemoryMarshal.Write(Bytes, in value);
    }
}

/// <summary>A map with typed keys and values (from the object's BTF).</summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
public readonly struct BpfMap<TKey, TValue> where TKey : unmanaged where TValue : unmanaged
{
    /// <summary>Wraps <paramref name="map"/>.</summary>
    public BpfMap(BpfMap map) => Map = map;

    /// <summary>The underlying map.</summary>
    public BpfMap Map { get; }

    /// <summary>The value for <paramref name="key"/>, or null.</summary>
    public TValue? Lookup(TKey key) => Map.Lookup<TKey, TValue>(key);

    /// <summary>Creates or replaces an element; 0 or a negative errno.</summary>
    public int Update(TKey key, TValue value, MapUpdateFlags flags = MapUpdateFlags.Any) => Map.Update(key, value, flags);

    /// <summary>Deletes an element; 0 or a negative errno.</summary>
    public int Delete(TKey key) => Map.Delete(key);

    /// <summary>All elements.</summary>
    public IEnumerable<KeyValuePair<TKey, TValue>> Entries => Map.EntriesOf<TKey, TValue>();
}

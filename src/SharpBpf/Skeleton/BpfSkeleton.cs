using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SharpBpf.Elf;
using SharpBpf.Helpers;
using SharpBpf.Jit;
using SharpBpf.Loader;
using SharpBpf.Maps;
using SharpBpf.ProgramTypes;
using SharpBpf.Runtime;
using SharpBpf.Verifier;

namespace SharpBpf.Skeleton;

/// <summary>How a skeleton loads its object: the <see cref="LoadOptions"/> of its <see cref="LoadedObject"/>, plus the engine its programs run on.</summary>
public sealed record SkeletonOptions
{
    /// <summary>Engine choice for the programs.</summary>
    public EngineChoice Engine { get; init; } = EngineChoice.Auto;

    /// <summary>JIT settings.</summary>
    public JitOptions? JitOptions { get; init; }

    /// <summary>
    /// Helpers registered over the standard and packet helpers (<see cref="LoadOptions.ExtraHelpers"/>: one with a
    /// standard id replaces it); null adds none. The verifier checks calls against their prototypes.
    /// </summary>
    public HelperTable? Helpers { get; init; }

    /// <summary>
    /// Verify every program when the skeleton is created (the default, as <see cref="LoadOptions.Verify"/>). Turning
    /// it off is an explicit statement that the object is trusted code.
    /// </summary>
    public bool Verify { get; init; } = true;

    /// <summary>Privilege, log level and complexity limit for verification.</summary>
    public VerifierOptions? Verifier { get; init; }

    /// <summary>Clocks, pids, trace output and randomness the standard helpers use; a default one when null.</summary>
    public HelperEnvironment? Environment { get; init; }

    /// <summary>Budget and limits of every executable of the skeleton.</summary>
    public ExecutionOptions? Execution { get; init; }

    /// <summary>The loader options these stand for.</summary>
    public LoadOptions ToLoadOptions() => new()
    {
        Verify = Verify,
        Verifier = Verifier,
        Environment = Environment,
        ExtraHelpers = Helpers?.All.ToArray() ?? [],
        Execution = Execution,
        Engine = Engine,
        JitOptions = JitOptions,
    };
}

/// <summary>
/// The runtime half of a generated skeleton (<c>sharpbpf gen skeleton</c>): loads the embedded object through
/// <see cref="LoadedObject"/> (maps created, global data sections as single-entry arrays initialised from the
/// object, map references resolved, <c>.values</c> slots filled, every program verified unless
/// <see cref="SkeletonOptions.Verify"/> is off) and builds each program's executable on first use. Generated
/// classes derive from it and add typed properties for programs, maps and global variables.
/// </summary>
public abstract class BpfSkeleton : IDisposable
{
    private readonly SkeletonProgram[] _programs;

    /// <summary>Loads <paramref name="elf"/>: creates its maps and verifies its programs.</summary>
    /// <exception cref="BpfElfException">The object is malformed.</exception>
    /// <exception cref="BpfLoadException">A map cannot be created or a map reference resolved.</exception>
    /// <exception cref="BpfVerifierException">The verifier rejects a program (instruction, reason and source line in the message).</exception>
    protected BpfSkeleton(ReadOnlySpan<byte> elf, SkeletonOptions? options)
    {
        Options = options ?? new SkeletonOptions();
        Loaded = LoadedObject.Load(elf, Options.ToLoadOptions());
        _programs = Loaded.Programs.Select(program => new SkeletonProgram(this, program)).ToArray();
    }

    /// <summary>The loaded object: maps, programs with resolved references, helpers.</summary>
    public LoadedObject Loaded { get; }

    /// <summary>The parsed object.</summary>
    public BpfObject Object => Loaded.Object;

    /// <summary>Load options.</summary>
    public SkeletonOptions Options { get; }

    /// <summary>The helpers programs get.</summary>
    public HelperTable Helpers => Loaded.Helpers;

    /// <summary>The maps, in <see cref="BpfObject.Maps"/> order.</summary>
    public IReadOnlyList<BpfMap> Maps => Loaded.Maps;

    /// <summary>The programs, in <see cref="BpfObject.Programs"/> order.</summary>
    public IReadOnlyCollection<SkeletonProgram> Programs => _programs;

    /// <summary>The map named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such map.</exception>
    public BpfMap GetMap(string name) => Loaded.FindMap(name) ?? throw new KeyNotFoundException($"the object has no map '{name}'");

    /// <summary>The program named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such program.</exception>
    public SkeletonProgram GetProgram(string name) =>
        _programs.FirstOrDefault(program => program.Name == name) ?? throw new KeyNotFoundException($"the object has no program '{name}'");

    /// <summary>The global variable of type <typeparamref name="T"/> at <paramref name="offset"/> of the data section map <paramref name="section"/>.</summary>
    protected GlobalVariable<T> Global<T>(string section, int offset) where T : unmanaged =>
        new(GetMap(section) as ArrayMap ?? throw new InvalidOperationException($"map '{section}' is not a global data map"), offset);

    /// <summary>Disposes the maps.</summary>
    public void Dispose()
    {
        Loaded.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>A program of a skeleton: built for its engine on first use, run as its type requires.</summary>
public sealed class SkeletonProgram
{
    private readonly Lazy<BpfExecutable> _executable;
    private readonly Lazy<PacketProgram?> _packet;

    internal SkeletonProgram(BpfSkeleton owner, LoadedProgram program)
    {
        Loaded = program;
        bool isPacket = PacketProgram.Supports(program.Type);
        var engine = owner.Options.Engine;
        var jitOptions = owner.Options.JitOptions;
        _packet = new(() => isPacket ? program.CreatePacketProgram(engine, jitOptions) : null);
        _executable = new(() => isPacket ? _packet.Value!.Executable : program.CreateExecutable(engine, jitOptions).Executable);
    }

    /// <summary>The program as loaded: map references resolved, verified unless the skeleton was told the object is trusted.</summary>
    public LoadedProgram Loaded { get; }

    /// <summary>The program as parsed.</summary>
    public BpfProgram Source => Loaded.Source;

    /// <summary>Its name.</summary>
    public string Name => Source.Name;

    /// <summary>Its type.</summary>
    public BpfProgramType Type => Source.Type;

    /// <summary>True once the verifier has accepted the program.</summary>
    public bool IsVerified => Loaded.IsVerified;

    /// <summary>The executable (map references resolved, context accesses rewritten for packet types).</summary>
    /// <exception cref="ContextRewriteException">A packet program's context access cannot be translated.</exception>
    /// <exception cref="JitCompileException">With <see cref="EngineChoice.Jit"/>, the JIT cannot compile the program.</exception>
    public BpfExecutable Executable => _executable.Value;

    /// <summary>The packet program for packet types; null otherwise.</summary>
    public PacketProgram? Packet => _packet.Value;

    /// <summary>Runs a packet program on <paramref name="input"/>.</summary>
    /// <exception cref="InvalidOperationException">The program is not of a packet type.</exception>
    /// <exception cref="BpfRuntimeException">The program faulted.</exception>
    public PacketRunResult Run(PacketInput input) =>
        (Packet ?? throw new InvalidOperationException($"program '{Name}' is a {Type} program, not a packet program")).Run(input);

    /// <summary>
    /// Runs the program with r1 = <paramref name="memory"/> and r2 = its length (raw memory and context-pointer
    /// types); the maps it references are reachable. Writes to the memory are seen by the caller.
    /// </summary>
    /// <exception cref="InvalidOperationException">The program is of a packet type (use <see cref="Run(PacketInput)"/>).</exception>
    /// <remarks>
    /// A verified program runs without bounds checks on memory of at least the context size it was verified for
    /// (<see cref="BpfExecutable.RequiredMemoryLength"/>), and on its bounds-checked build on shorter memory.
    /// </remarks>
    /// <exception cref="BpfRuntimeException">The program faulted.</exception>
    public ulong Run(Span<byte> memory)
    {
        if (PacketProgram.Supports(Type)) throw new InvalidOperationException($"program '{Name}' is a {Type} program: run it on a packet");
        return Executable.Run(memory);
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

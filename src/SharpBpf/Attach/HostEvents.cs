using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SharpBpf.Memory;
using SharpBpf.ProgramTypes;
using SharpBpf.Runtime;

namespace SharpBpf.Attach;

/// <summary>
/// An attach point a .NET application declares (the user-space counterpart of a tracepoint): firing it runs every
/// attached program with r1 pointing to a copy of the event's <typeparamref name="TContext"/> in native memory. The
/// copy is read-only to programs except for the fields declared writable; <see cref="FireWritable"/> copies
/// those back. Firing is thread-safe and never blocks on attach or detach.
/// </summary>
/// <typeparam name="TContext">The context struct, laid out as the programs' C struct (sequential, natural alignment).</typeparam>
public sealed class HostEvent<TContext> : IBpfAttachPoint where TContext : unmanaged
{
    private static readonly int s_size = Unsafe.SizeOf<TContext>();
    [ThreadStatic] private static NativeBlock? t_block;
    [ThreadStatic] private static bool t_blockInUse;

    private readonly Lock _lock = new();
    private readonly (int Offset, int Size)[] _writable;
    private AttachedProgram[] _programs = [];

    /// <summary>Declares an event named <paramref name="name"/>; <paramref name="writableFields"/> name the fields programs may store to.</summary>
    /// <exception cref="ArgumentException">A writable field is not a field of <typeparamref name="TContext"/>.</exception>
    public HostEvent(string name, params string[] writableFields)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        _writable = writableFields.Select(field =>
        {
            var info = typeof(TContext).GetField(field) ?? throw new ArgumentException($"{typeof(TContext).Name} has no public field '{field}'", nameof(writableFields));
            int offset = (int)Marshal.OffsetOf<TContext>(field);
            return (offset, Marshal.SizeOf(info.FieldType));
        }).ToArray();
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>Size of the context struct in bytes.</summary>
    public int ContextSize => s_size;

    /// <inheritdoc/>
    public IReadOnlyList<AttachedProgram> Programs => Volatile.Read(ref _programs);

    /// <summary>Programs that take a plain context pointer: tracepoints, raw tracepoints, kprobes, tracing, perf events, raw memory.</summary>
    public bool Accepts(BpfProgramType type) => type is BpfProgramType.Tracepoint or BpfProgramType.RawTracepoint or BpfProgramType.RawTracepointWritable
        or BpfProgramType.Kprobe or BpfProgramType.Tracing or BpfProgramType.PerfEvent or BpfProgramType.Unspecified;

    /// <inheritdoc/>
    public void Attach(AttachedProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        if (!Accepts(program.Type)) throw new ArgumentException($"{program.Type} programs cannot attach to host event '{Name}'", nameof(program));
        lock (_lock) Volatile.Write(ref _programs, [.. _programs, program]);
    }

    /// <summary>Attaches an executable directly (raw memory type); detach with the returned attachment.</summary>
    public AttachedProgram Attach(BpfExecutable executable, IEnumerable<Maps.BpfMap>? maps = null)
    {
        var program = new AttachedProgram(executable, BpfProgramType.Unspecified, maps);
        Attach(program);
        return program;
    }

    /// <inheritdoc/>
    public bool Detach(AttachedProgram program)
    {
        lock (_lock)
        {
            int index = Array.IndexOf(_programs, program);
            if (index < 0) return false;
            Volatile.Write(ref _programs, [.. _programs[..index], .. _programs[(index + 1)..]]);
        }
        program.OnDetached(this);
        return true;
    }

    /// <summary>Runs every attached program on a copy of <paramref name="context"/>; returns how many ran.</summary>
    /// <exception cref="BpfRuntimeException">A program faulted (later programs do not run).</exception>
    public int Fire(in TContext context) => Fire(in context, results: default, copyBack: false, out _);

    /// <summary>As <see cref="Fire(in TContext)"/>, then copies the declared writable fields back into <paramref name="context"/>.</summary>
    public int FireWritable(ref TContext context)
    {
        int ran = Fire(in context, results: default, copyBack: true, out var updated);
        context = updated;
        return ran;
    }

    /// <summary>Fires the event and returns each program's r0, in attach order.</summary>
    public ulong[] FireAndCollect(in TContext context)
    {
        var programs = Programs;
        var results = new ulong[programs.Count];
        int ran = Fire(in context, results, copyBack: false, out _);
        return results[..ran];
    }

    private int Fire(in TContext context, Span<ulong> results, bool copyBack, out TContext updated)
    {
        updated = context;
        var programs = Volatile.Read(ref _programs);
        if (programs.Length == 0) return 0;
        bool pooled = !t_blockInUse;
        var block = pooled ? (t_block ??= new NativeBlock(s_size)) : new NativeBlock(s_size);
        if (pooled) t_blockInUse = true;
        try
        {
            var bytes = block.Slice(0, s_size);
            MemoryMarshal.Write(bytes, in context);
            int ran = 0;
            foreach (var program in programs)
            {
                if (!program.TryEnter()) continue;
                try
                {
                    // A program verified for a larger context than TContext runs its bounds-checked build.
                    var executable = program.Executable.ForMemoryLength(s_size);
                    var run = executable.RentContext();
                    // Writable fields first: the engines' write path looks for the first writable region that fits.
                    foreach (var (offset, size) in _writable)
                        run.AddRegion(new MemoryRegion(block.Address + (ulong)offset, (ulong)size, MemoryAccess.ReadWrite, $"host event '{Name}' field"));
                    run.AddRegion(new MemoryRegion(block.Address, (ulong)s_size, MemoryAccess.Read, $"host event '{Name}' context"));
                    foreach (var map in program.Maps) map.AddRegionsTo(run);
                    ulong r0 = executable.Run(run, block.Address, (ulong)s_size);
                    if (ran < results.Length) results[ran] = r0;
                    ran++;
                }
                finally
                {
                    program.Exit();
                }
            }
            if (copyBack) updated = MemoryMarshal.Read<TContext>(bytes);
            return ran;
        }
        finally
        {
            if (pooled) t_blockInUse = false;
            else block.Dispose();
        }
    }
}

using SharpBpf.Jit;
using SharpBpf.Runtime;

namespace SharpBpf.ProgramTypes;

/// <summary>
/// Runs one <see cref="PacketProgram"/> on packet after packet with state set up once: a native frame and context
/// struct (<see cref="PacketContext"/>) that each packet is loaded into, and a run context with the context, packet,
/// map and static regions already registered. Made by <see cref="PacketProgram.CreateRunner"/> for a packet source
/// or thread (the fastest path), and kept per thread behind <see cref="PacketProgram.Run"/>. Not thread-safe and not
/// reentrant; <see cref="Dispose"/> frees the native memory.
/// </summary>
public sealed unsafe class PacketRunner : IDisposable
{
    private readonly BpfExecutable _executable;
    private readonly PacketContext _packet;
    private readonly RunContext _context;
    private readonly int _regionCount;
    // Socket filters may only read their packet, so it is run in place (pinned) rather than copied into the frame.
    private readonly bool _inPlace;
    private bool _disposed;

    internal PacketRunner(PacketProgram program)
    {
        Program = program;
        _executable = program.Executable;
        _packet = new PacketContext(program.Layout, program.Headroom, program.FrameSize)
        {
            FrameWideRegion = _executable is JitExecutable { JitOptions.MemoryMode: JitMemoryMode.Unchecked },
        };
        _context = new RunContext(_executable.Helpers);
        _packet.AddRegionsTo(_context);
        foreach (var map in program.Maps) map.AddRegionsTo(_context);
        _executable.AddStaticRegions(_context);
        _regionCount = _context.RegionCount;
        _inPlace = program.Type == BpfProgramType.SocketFilter;
    }

    /// <summary>The program it runs.</summary>
    public PacketProgram Program { get; }

    /// <summary>True while a run is under way (a nested run must use another runner).</summary>
    internal bool InUse { get; private set; }

    /// <summary>Runs the program on <paramref name="packet"/> and returns its r0 (the verdict), keeping nothing else.</summary>
    /// <exception cref="BpfRuntimeException">The program faulted.</exception>
    /// <exception cref="InvalidOperationException">The runner is already running a packet (called from inside a run).</exception>
    /// <exception cref="ObjectDisposedException">The runner was disposed.</exception>
    public ulong RunVerdict(ReadOnlySpan<byte> packet, in PacketMetadata metadata)
    {
        Begin();
        try
        {
            if (!_inPlace || packet.IsEmpty) return Execute(packet, metadata, 0);
            fixed (byte* start = packet) return Execute(packet, metadata, (ulong)start);
        }
        finally
        {
            End();
        }
    }

    /// <summary>Runs the program on <paramref name="input"/>; returns the verdict, the resulting packet and context fields.</summary>
    /// <exception cref="BpfRuntimeException">The program faulted.</exception>
    /// <exception cref="InvalidOperationException">The runner is already running a packet (called from inside a run).</exception>
    /// <exception cref="ObjectDisposedException">The runner was disposed.</exception>
    public PacketRunResult Run(PacketInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Begin();
        try
        {
            var data = input.Data.Span;
            if (!_inPlace || data.IsEmpty) return Collect(Execute(data, input.Metadata, 0));
            // The result copies the packet while it is still pinned.
            fixed (byte* start = data) return Collect(Execute(data, input.Metadata, (ulong)start));
        }
        finally
        {
            End();
        }
    }

    // A packet run in place is unpinned once the run is over: the context must not keep pointing at it.
    private void End()
    {
        if (_inPlace) _packet.ForgetExternalPacket();
        InUse = false;
    }

    private void Begin()
    {
        if (InUse | _disposed) ThrowNotReady();
        InUse = true;
    }

    private void ThrowNotReady()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        throw new InvalidOperationException("this packet runner is already running a packet; a run nested in a run needs a runner of its own");
    }

    private ulong Execute(ReadOnlySpan<byte> data, in PacketMetadata metadata, ulong pinnedAddress)
    {
        // Regions a tail-called program added in the last run go first, so the packet region index stays valid.
        _context.BeginRun(_regionCount);
        _packet.Load(data, metadata, pinnedAddress);
        return _executable.Run(_context, _packet.ContextAddress, 0, staticRegionsPresent: true);
    }

    private PacketRunResult Collect(ulong r0)
    {
        var packet = _packet;
        byte[] bytes = packet.Packet.ToArray();
        // A socket filter's r0 is the number of bytes to keep.
        if (Program.Type == BpfProgramType.SocketFilter && (uint)r0 < (uint)bytes.Length) bytes = bytes[..(int)(uint)r0];
        long executed = _context.InstructionsExecuted;
        if (!Program.Layout.IsSkb)
            return new PacketRunResult { ReturnValue = r0, Packet = bytes, Metadata = packet.Metadata.ToArray(), Redirect = packet.Redirect, InstructionsExecuted = executed };
        var cb = new uint[5];
        for (int i = 0; i < 5; i++) cb[i] = packet.ReadField(PacketLayout.SkBuff.Cb + 4 * i);
        return new PacketRunResult
        {
            ReturnValue = r0,
            Packet = bytes,
            Metadata = packet.Metadata.ToArray(),
            Redirect = packet.Redirect,
            Mark = packet.ReadField(PacketLayout.SkBuff.Mark),
            Priority = packet.ReadField(PacketLayout.SkBuff.Priority),
            TcClassId = packet.ReadField(PacketLayout.SkBuff.TcClassId),
            ControlBlock = cb,
            InstructionsExecuted = executed,
        };
    }

    /// <summary>Frees the frame and context struct.</summary>
    public void Dispose()
    {
        _disposed = true;
        _packet.Dispose();
    }
}

using SharpBpf.Attach;
using SharpBpf.Maps;
using SharpBpf.ProgramTypes;
using SharpBpf.Runtime;

namespace SharpBpf.Syscall;

/// <summary>Something an fd or a pin holds a reference to.</summary>
internal interface ISystemObject
{
    BpfObjectKind Kind { get; }
    void AddRef();
    void Release();
}

/// <summary>A map owned by a <see cref="BpfSystem"/>: disposed when the last fd, pin and program reference is gone.</summary>
internal sealed class SystemMap(BpfMap map) : ISystemObject
{
    private int _refs;

    public BpfMap Map { get; } = map;
    public BpfObjectKind Kind => BpfObjectKind.Map;
    public void AddRef() => Interlocked.Increment(ref _refs);

    public void Release()
    {
        if (Interlocked.Decrement(ref _refs) == 0) Map.Dispose();
    }
}

/// <summary>An attach point registered with a <see cref="BpfSystem"/>.</summary>
internal sealed class SystemAttachPoint(IBpfAttachPoint point) : ISystemObject
{
    public IBpfAttachPoint Point { get; } = point;
    public BpfObjectKind Kind => BpfObjectKind.AttachPoint;
    public void AddRef() { }
    public void Release() { }
}

/// <summary>
/// A loaded program. References come from fds, pins and attachments; runs hold a lease (<see cref="TryEnter"/>), so
/// the maps it uses are released only after the last reference is gone and the last run has finished.
/// </summary>
internal sealed class SystemProgram : AttachedProgram, ISystemObject
{
    private static uint s_lastId;
    private readonly Lock _lock = new();
    private readonly SystemMap[] _maps;
    private int _refs;
    // Runs in progress (low bits) and two flags, changed by atomic operations so a run enters and leaves without a
    // lock: no reference is left (no new run may start), and the maps were released (the last run has finished).
    private int _state;
    private const int NoReferences = 1 << 30, Released = 1 << 29, RunMask = Released - 1;
    private long _runCount;
    private long _runTimeNs;

    public SystemProgram(BpfExecutable executable, BpfProgramType type, string name, SystemMap[] maps, PacketProgram? packet)
        : base(executable, type, maps.Select(m => m.Map), name)
    {
        _maps = maps;
        foreach (var map in maps) map.AddRef();
        Packet = packet;
        Id = Interlocked.Increment(ref s_lastId);
    }

    public uint Id { get; }
    public BpfObjectKind Kind => BpfObjectKind.Program;
    public IReadOnlyList<SystemMap> SystemMaps => _maps;
    public ulong RunCount => (ulong)Interlocked.Read(ref _runCount);
    public ulong RunTimeNs => (ulong)Interlocked.Read(ref _runTimeNs);

    public void AddRef()
    {
        lock (_lock) _refs++;
    }

    public void Release()
    {
        lock (_lock)
        {
            if (--_refs > 0) return;
            int state = _state, seen;
            while ((seen = Interlocked.CompareExchange(ref _state, state | NoReferences, state)) != state) state = seen;
            if ((state & RunMask) == 0) ReleaseMaps(state | NoReferences);
        }
    }

    public override bool TryEnter()
    {
        int state = Volatile.Read(ref _state), seen;
        while (true)
        {
            if ((state & NoReferences) != 0) return false;
            if ((seen = Interlocked.CompareExchange(ref _state, state + 1, state)) == state) return true;
            state = seen;
        }
    }

    public override void Exit()
    {
        Interlocked.Increment(ref _runCount);
        int state = Interlocked.Decrement(ref _state);
        if ((state & RunMask) == 0 && (state & NoReferences) != 0) ReleaseMaps(state);
    }

    public void AddRunStatistics(long extraRuns, long nanoseconds)
    {
        Interlocked.Add(ref _runCount, extraRuns);
        Interlocked.Add(ref _runTimeNs, nanoseconds);
    }

    protected internal override void OnDetached(IBpfAttachPoint point) => Release();

    // The last of the references and the runs is gone: whichever saw it first releases the maps, once.
    private void ReleaseMaps(int state)
    {
        if ((state & Released) != 0 || Interlocked.CompareExchange(ref _state, state | Released, state) != state) return;
        foreach (var map in _maps) map.Release();
    }
}

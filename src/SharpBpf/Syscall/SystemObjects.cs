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
    private int _runs;
    private bool _released;
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
            _refs--;
            ReleaseIfUnused();
        }
    }

    public override bool TryEnter()
    {
        lock (_lock)
        {
            if (_released) return false;
            _runs++;
            return true;
        }
    }

    public override void Exit()
    {
        Interlocked.Increment(ref _runCount);
        lock (_lock)
        {
            _runs--;
            ReleaseIfUnused();
        }
    }

    public void AddRunStatistics(long extraRuns, long nanoseconds)
    {
        Interlocked.Add(ref _runCount, extraRuns);
        Interlocked.Add(ref _runTimeNs, nanoseconds);
    }

    protected internal override void OnDetached(IBpfAttachPoint point) => Release();

    private void ReleaseIfUnused()
    {
        if (_refs > 0 || _runs > 0 || _released) return;
        _released = true;
        foreach (var map in _maps) map.Release();
    }
}

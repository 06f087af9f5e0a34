using SharpBpf.Maps;
using SharpBpf.ProgramTypes;
using SharpBpf.Runtime;

namespace SharpBpf.Attach;

/// <summary>
/// A place programs attach to and run from: a host event, a packet hook. Attachment lists are copy-on-write, so
/// firing never blocks on attach/detach and a run that started before a detach finishes normally.
/// </summary>
public interface IBpfAttachPoint
{
    /// <summary>The attach point's name (unique within a <c>BpfSystem</c>).</summary>
    string Name { get; }

    /// <summary>True when programs of <paramref name="type"/> may attach here.</summary>
    bool Accepts(BpfProgramType type);

    /// <summary>Attaches <paramref name="program"/>; it runs on every later firing until detached.</summary>
    /// <exception cref="ArgumentException">The program's type is not accepted.</exception>
    void Attach(AttachedProgram program);

    /// <summary>Detaches <paramref name="program"/>; returns false when it was not attached.</summary>
    bool Detach(AttachedProgram program);

    /// <summary>The programs attached now, in attach order.</summary>
    IReadOnlyList<AttachedProgram> Programs { get; }
}

/// <summary>
/// A program as attached to an attach point: its executable, type and the maps whose regions each run needs. Runs
/// go through <see cref="TryEnter"/>/<see cref="Exit"/> so an owner (<c>BpfSystem</c>) can keep maps alive until
/// the last run that started before a detach has finished.
/// </summary>
public class AttachedProgram
{
    /// <summary>Creates an attachment for <paramref name="executable"/>.</summary>
    public AttachedProgram(BpfExecutable executable, BpfProgramType type, IEnumerable<BpfMap>? maps = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(executable);
        Executable = executable;
        Type = type;
        Maps = maps?.ToArray() ?? [];
        Name = name ?? "";
    }

    /// <summary>The engine running the program.</summary>
    public BpfExecutable Executable { get; }

    /// <summary>The program type.</summary>
    public BpfProgramType Type { get; }

    /// <summary>Maps the program references.</summary>
    public IReadOnlyList<BpfMap> Maps { get; }

    /// <summary>The program's name.</summary>
    public string Name { get; }

    /// <summary>For packet program types: the program with its context handling (what packet hooks run).</summary>
    public PacketProgram? Packet { get; init; }

    /// <summary>Starts a run; false when the program has been released and must not run.</summary>
    public virtual bool TryEnter() => true;

    /// <summary>Ends a run started by <see cref="TryEnter"/>.</summary>
    public virtual void Exit() { }

    /// <summary>Called by an attach point when the program is detached from it.</summary>
    protected internal virtual void OnDetached(IBpfAttachPoint point) { }
}

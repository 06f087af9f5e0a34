using SharpBpf.Attach;
using SharpBpf.ProgramTypes;

namespace SharpBpf.Syscall;

/// <summary>
/// A packet attach point of one program type (an interface's XDP hook, its tc ingress, a socket's filter). Running
/// a packet passes it through the attached programs in order, each seeing the previous one's output, until one
/// gives a final verdict: XDP anything but PASS; tc anything but OK/UNSPEC/PIPE; socket filter 0 (drop).
/// </summary>
public sealed class PacketHook : IBpfAttachPoint
{
    private readonly Lock _lock = new();
    private AttachedProgram[] _programs = [];

    /// <summary>Creates a hook for programs of <paramref name="type"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="type"/> is not a packet type.</exception>
    public PacketHook(string name, BpfProgramType type)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!PacketProgram.Supports(type)) throw new ArgumentException($"{type} is not a packet program type", nameof(type));
        Name = name;
        Type = type;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>The program type the hook runs.</summary>
    public BpfProgramType Type { get; }

    /// <inheritdoc/>
    public IReadOnlyList<AttachedProgram> Programs => Volatile.Read(ref _programs);

    /// <inheritdoc/>
    public bool Accepts(BpfProgramType type) => type == Type || (Type is BpfProgramType.SchedCls or BpfProgramType.SchedAct && type is BpfProgramType.SchedCls or BpfProgramType.SchedAct);

    /// <inheritdoc/>
    public void Attach(AttachedProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        if (!Accepts(program.Type) || program.Packet is null)
            throw new ArgumentException($"a {program.Type} program cannot attach to packet hook '{Name}' ({Type})", nameof(program));
        lock (_lock) Volatile.Write(ref _programs, [.. _programs, program]);
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

    /// <summary>Runs <paramref name="input"/> through the attached programs; null when none is attached.</summary>
    public PacketRunResult? Run(PacketInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        PacketRunResult? last = null;
        foreach (var program in Volatile.Read(ref _programs))
        {
            if (!program.TryEnter()) continue;
            try
            {
                last = program.Packet!.Run(last is null ? input : input with { Data = last.Packet, Mark = last.Mark, Priority = last.Priority });
            }
            finally
            {
                program.Exit();
            }
            if (IsFinal(last)) break;
        }
        return last;
    }

    /// <summary>
    /// Runs <paramref name="packet"/> through the attached programs and returns the last verdict (r0), or null when
    /// none is attached. With one program attached this is <see cref="PacketProgram.RunVerdict(ReadOnlySpan{byte}, in PacketMetadata)"/>,
    /// which keeps no copy of the packet; with several it goes through <see cref="Run"/>, since each program sees the
    /// previous one's output.
    /// </summary>
    public ulong? RunVerdict(ReadOnlySpan<byte> packet, in PacketMetadata metadata)
    {
        var programs = Volatile.Read(ref _programs);
        if (programs.Length > 1) return Run(new PacketInput(packet.ToArray(), metadata))?.ReturnValue;
        if (programs.Length == 0 || !programs[0].TryEnter()) return null;
        try
        {
            return programs[0].Packet!.RunVerdict(packet, metadata);
        }
        finally
        {
            programs[0].Exit();
        }
    }

    private bool IsFinal(PacketRunResult result) => Type switch
    {
        BpfProgramType.Xdp => result.XdpAction != XdpAction.Pass,
        BpfProgramType.SocketFilter => (uint)result.ReturnValue == 0,
        _ => result.TcAction is not (TcAction.Ok or TcAction.Unspecified or TcAction.Pipe),
    };
}

namespace SharpBpf.ProgramTypes;

/// <summary>How a program may access a context field.</summary>
[Flags]
public enum ContextAccess
{
    /// <summary>No access.</summary>
    None = 0,
    /// <summary>Loads are allowed.</summary>
    Read = 1,
    /// <summary>Stores are allowed.</summary>
    Write = 2,
    /// <summary>Loads and stores are allowed.</summary>
    ReadWrite = Read | Write,
}

/// <summary>What a load from a context field yields, as the verifier types the destination register.</summary>
public enum ContextFieldKind
{
    /// <summary>A plain scalar.</summary>
    Scalar,
    /// <summary>PTR_TO_PACKET: the start of the packet data.</summary>
    PacketData,
    /// <summary>PTR_TO_PACKET_END: one past the last packet byte; only comparable, never dereferenceable.</summary>
    PacketEnd,
    /// <summary>PTR_TO_PACKET_META: the start of the metadata area in front of the packet.</summary>
    PacketMeta,
    /// <summary>PTR_TO_SOCKET: a non-null pointer to a <c>struct bpf_sock</c> (see <see cref="ContextLayouts.BpfSockFields"/>).</summary>
    SocketPointer,
    /// <summary>Anything else the verifier does not model specially.</summary>
    Other,
    /// <summary>PTR_TO_SOCKET_OR_NULL: a <c>struct bpf_sock</c> pointer that must be null-checked first.</summary>
    SocketPointerOrNull,
    /// <summary>PTR_TO_SOCK_COMMON_OR_NULL: a pointer to the fields every socket shares
    /// (see <see cref="ContextLayouts.BpfSockCommonFields"/>) that must be null-checked first.</summary>
    SockCommonPointerOrNull,
}

/// <summary>One accessible field of a program type's context structure.</summary>
/// <param name="Name">The UAPI field name (array elements as <c>name[i]</c>; buffers by their role).</param>
/// <param name="Offset">Byte offset inside the context.</param>
/// <param name="Size">Field size in bytes. Fields larger than 8 bytes are buffers (e.g. <c>__sk_buff.cb</c>, tracepoint data):
/// any naturally aligned 1, 2, 4 or 8 byte access inside them is allowed.</param>
/// <param name="Access">Whether loads and/or stores are allowed.</param>
/// <param name="Kind">What a load of the field yields.</param>
/// <param name="AllowNarrowReads">Whether loads smaller than <paramref name="Size"/> (naturally aligned, power of two) are allowed,
/// as the kernel's <c>bpf_ctx_narrow_access_ok</c>. Stores are always full-width (except inside buffers).</param>
public sealed record ContextField(string Name, int Offset, int Size, ContextAccess Access, ContextFieldKind Kind, bool AllowNarrowReads)
{
    /// <summary>True when only privileged programs (CAP_BPF / CAP_SYS_ADMIN) may access the field
    /// (e.g. <c>__sk_buff.data</c> in cgroup_skb programs, <c>tstamp</c> stores there).</summary>
    public bool PrivilegedOnly { get; init; }

    private readonly bool? _isBuffer;

    /// <summary>True when the field is a buffer: any naturally aligned access of 1, 2, 4 or 8 bytes inside it is allowed
    /// (loads and, when writable, stores). Defaults to <c>Size &gt; 8</c>.</summary>
    public bool IsBuffer { get => _isBuffer ?? Size > 8; init => _isBuffer = value; }

    /// <summary>One past the field's last byte.</summary>
    public int End => Offset + Size;
}

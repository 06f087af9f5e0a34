namespace SharpBpf.ProgramTypes;

/// <summary>
/// How a packet program type's context looks in native memory: the UAPI struct (<c>__sk_buff</c> or
/// <c>xdp_md</c>) as programs see it, followed by a private area of 8-byte slots holding the real 64-bit
/// <c>data</c>/<c>data_end</c>/<c>data_meta</c> pointers that <see cref="ContextRewriter"/> redirects loads to.
/// </summary>
public sealed class PacketLayout
{
    private PacketLayout(BpfProgramType type, string structName, int uapiSize, int data, int dataEnd, int dataMeta,
        IReadOnlyList<(string Name, int Offset, int Size)> writable)
    {
        Type = type;
        StructName = structName;
        UapiSize = uapiSize;
        PrivateOffset = (uapiSize + 7) & ~7;
        DataOffset = data;
        DataEndOffset = dataEnd;
        DataMetaOffset = dataMeta;
        PointerFields =
        [
            new ContextPointerField("data", data, PrivateOffset),
            new ContextPointerField("data_end", dataEnd, PrivateOffset + 8),
            new ContextPointerField("data_meta", dataMeta, PrivateOffset + 16),
        ];
        WritableFields = writable;
    }

    /// <summary>The program type.</summary>
    public BpfProgramType Type { get; }

    /// <summary>The UAPI struct's name.</summary>
    public string StructName { get; }

    /// <summary>Size of the UAPI struct.</summary>
    public int UapiSize { get; }

    /// <summary>Offset of the private pointer slots (data, data_end, data_meta, 8 bytes each).</summary>
    public int PrivateOffset { get; }

    /// <summary>Total native context size.</summary>
    public int NativeSize => PrivateOffset + 24;

    /// <summary>UAPI offset of <c>data</c>.</summary>
    public int DataOffset { get; }

    /// <summary>UAPI offset of <c>data_end</c>.</summary>
    public int DataEndOffset { get; }

    /// <summary>UAPI offset of <c>data_meta</c>.</summary>
    public int DataMetaOffset { get; }

    /// <summary>The fields the rewriter widens to 64-bit pointers.</summary>
    public IReadOnlyList<ContextPointerField> PointerFields { get; }

    /// <summary>Fields the program may write (name, UAPI offset, size).</summary>
    public IReadOnlyList<(string Name, int Offset, int Size)> WritableFields { get; }

    /// <summary>True for the types whose context is <c>struct __sk_buff</c>.</summary>
    public bool IsSkb => StructName == "__sk_buff";

    /// <summary>The layout for <paramref name="type"/>, or null when it is not a packet type.</summary>
    public static PacketLayout? For(BpfProgramType type) => type switch
    {
        BpfProgramType.SocketFilter => s_socketFilter,
        BpfProgramType.SchedCls or BpfProgramType.SchedAct => type == BpfProgramType.SchedCls ? s_schedCls : s_schedAct,
        BpfProgramType.Xdp => s_xdp,
        _ => null,
    };

    private static readonly (string, int, int)[] s_tcWritable =
    [
        ("mark", SkBuff.Mark, 4), ("queue_mapping", SkBuff.QueueMapping, 4), ("priority", SkBuff.Priority, 4),
        ("tc_index", SkBuff.TcIndex, 4), ("cb", SkBuff.Cb, 20), ("tc_classid", SkBuff.TcClassId, 4), ("tstamp", SkBuff.Tstamp, 8),
    ];

    private static readonly PacketLayout s_socketFilter = new(BpfProgramType.SocketFilter, "__sk_buff", SkBuff.Size,
        SkBuff.Data, SkBuff.DataEnd, SkBuff.DataMeta, [("cb", SkBuff.Cb, 20)]);
    private static readonly PacketLayout s_schedCls = new(BpfProgramType.SchedCls, "__sk_buff", SkBuff.Size,
        SkBuff.Data, SkBuff.DataEnd, SkBuff.DataMeta, s_tcWritable);
    private static readonly PacketLayout s_schedAct = new(BpfProgramType.SchedAct, "__sk_buff", SkBuff.Size,
        SkBuff.Data, SkBuff.DataEnd, SkBuff.DataMeta, s_tcWritable);
    private static readonly PacketLayout s_xdp = new(BpfProgramType.Xdp, "xdp_md", XdpMd.Size,
        XdpMd.Data, XdpMd.DataEnd, XdpMd.DataMeta, []);

    // TODO(merge): these offsets duplicate linux/bpf.h until ContextLayouts (branch wip/vcorpus) lands; then read them from there.
    internal static class SkBuff
    {
        public const int Len = 0, PktType = 4, Mark = 8, QueueMapping = 12, Protocol = 16, VlanPresent = 20, VlanTci = 24,
            VlanProto = 28, Priority = 32, IngressIfIndex = 36, IfIndex = 40, TcIndex = 44, Cb = 48, Hash = 68, TcClassId = 72,
            Data = 76, DataEnd = 80, NapiId = 84, DataMeta = 140, Tstamp = 152, WireLen = 160, GsoSegs = 164, Size = 192;
    }

    internal static class XdpMd
    {
        public const int Data = 0, DataEnd = 4, DataMeta = 8, IngressIfIndex = 12, RxQueueIndex = 16, EgressIfIndex = 20, Size = 24;
    }
}

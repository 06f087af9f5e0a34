namespace SharpBpf.ProgramTypes;

/// <summary>
/// How a packet program type's context looks in native memory: the UAPI struct (<c>__sk_buff</c> or
/// <c>xdp_md</c>) as programs see it, followed by a private area of 8-byte slots holding the real 64-bit
/// <c>data</c>/<c>data_end</c>/<c>data_meta</c> pointers that <see cref="ContextRewriter"/> redirects loads to.
/// </summary>
public sealed class PacketLayout
{
    private PacketLayout(BpfProgramType type, string structName, int uapiSize, IReadOnlyList<ContextField> fields, IReadOnlyList<ContextField> allFields)
    {
        Type = type;
        StructName = structName;
        IsSkb = structName == "__sk_buff";
        UapiSize = uapiSize;
        PrivateOffset = (uapiSize + 7) & ~7;
        DataOffset = OffsetIn(allFields, "data");
        DataEndOffset = OffsetIn(allFields, "data_end");
        DataMetaOffset = OffsetIn(allFields, "data_meta");
        // Only the pointer fields the type may read are rewritten (a socket filter sees none, as in the kernel).
        PointerFields = fields.Where(f => f.Kind is ContextFieldKind.PacketData or ContextFieldKind.PacketEnd or ContextFieldKind.PacketMeta)
            .Select(f => new ContextPointerField(f.Name, f.Offset, PrivateOffset + 8 * (int)(f.Kind - ContextFieldKind.PacketData)))
            .ToArray();
        WritableFields = fields.Where(f => (f.Access & ContextAccess.Write) != 0).Select(f => (f.Name, f.Offset, f.Size)).ToArray();
        var ranges = new List<(int Offset, int Size)>();
        foreach (var (_, offset, size) in WritableFields.OrderBy(f => f.Offset))
        {
            if (ranges.Count > 0 && ranges[^1].Offset + ranges[^1].Size >= offset)
                ranges[^1] = (ranges[^1].Offset, Math.Max(ranges[^1].Size, offset + size - ranges[^1].Offset));
            else ranges.Add((offset, size));
        }
        WritableRanges = [.. ranges];
    }

    /// <summary>The writable fields merged into contiguous byte ranges: all a program can change in its context.</summary>
    internal (int Offset, int Size)[] WritableRanges { get; }

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
    public bool IsSkb { get; }

    /// <summary>The layout for <paramref name="type"/>, or null when it is not a packet type.</summary>
    public static PacketLayout? For(BpfProgramType type) => type switch
    {
        BpfProgramType.SocketFilter => s_socketFilter,
        BpfProgramType.SchedCls or BpfProgramType.SchedAct => type == BpfProgramType.SchedCls ? s_schedCls : s_schedAct,
        BpfProgramType.Xdp => s_xdp,
        _ => null,
    };

    // tc sees every __sk_buff field, so its view names all offsets the context builder fills.
    private static readonly IReadOnlyList<ContextField> s_allSkBuff = ContextLayouts.SkBuff(BpfProgramType.SchedCls);

    private static readonly PacketLayout s_socketFilter = new(BpfProgramType.SocketFilter, "__sk_buff", ContextLayouts.SkBuffSize,
        ContextLayouts.SkBuff(BpfProgramType.SocketFilter), s_allSkBuff);
    private static readonly PacketLayout s_schedCls = new(BpfProgramType.SchedCls, "__sk_buff", ContextLayouts.SkBuffSize,
        ContextLayouts.SkBuff(BpfProgramType.SchedCls), s_allSkBuff);
    private static readonly PacketLayout s_schedAct = new(BpfProgramType.SchedAct, "__sk_buff", ContextLayouts.SkBuffSize,
        ContextLayouts.SkBuff(BpfProgramType.SchedAct), s_allSkBuff);
    private static readonly PacketLayout s_xdp = new(BpfProgramType.Xdp, "xdp_md", ContextLayouts.XdpMdSize, ContextLayouts.XdpMd, ContextLayouts.XdpMd);

    private static int OffsetIn(IReadOnlyList<ContextField> fields, string name) =>
        fields.FirstOrDefault(f => f.Name == name)?.Offset ?? throw new InvalidOperationException($"context layout has no field '{name}'");

    /// <summary><c>__sk_buff</c> offsets the context builder writes, from <see cref="ContextLayouts"/>.</summary>
    internal static class SkBuff
    {
        public static readonly int Len = Of("len"), PktType = Of("pkt_type"), Mark = Of("mark"), QueueMapping = Of("queue_mapping"),
            Protocol = Of("protocol"), VlanPresent = Of("vlan_present"), VlanTci = Of("vlan_tci"), VlanProto = Of("vlan_proto"),
            Priority = Of("priority"), IngressIfIndex = Of("ingress_ifindex"), IfIndex = Of("ifindex"), Cb = Of("cb"), Hash = Of("hash"),
            TcClassId = Of("tc_classid"), Tstamp = Of("tstamp"), WireLen = Of("wire_len"), GsoSegs = Of("gso_segs");

        private static int Of(string name) => OffsetIn(s_allSkBuff, name);
    }

    /// <summary><c>xdp_md</c> offsets the context builder writes, from <see cref="ContextLayouts"/>.</summary>
    internal static class XdpMd
    {
        public static readonly int IngressIfIndex = OffsetIn(ContextLayouts.XdpMd, "ingress_ifindex"), RxQueueIndex = OffsetIn(ContextLayouts.XdpMd, "rx_queue_index");
    }
}

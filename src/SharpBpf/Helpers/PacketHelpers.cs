using System.Buffers.Binary;
using SharpBpf.Maps;
using SharpBpf.Memory;
using SharpBpf.ProgramTypes;
using SharpBpf.Runtime;
using static SharpBpf.Helpers.HelperArgument;

namespace SharpBpf.Helpers;

/// <summary>
/// The packet helpers of the socket filter, tc and XDP program types, with the kernel's argument checks and
/// results. They act on the <see cref="PacketContext"/> of the run (<see cref="RunContext.State"/>); r1 must be
/// its context pointer. Checksums follow the kernel's one's-complement arithmetic on the host (little-endian)
/// representation of network-order data, so results match what the kernel stores. The packet is modelled as linear
/// with <c>CHECKSUM_NONE</c>, so the pseudo-header and <c>skb-&gt;csum</c> bookkeeping has nothing to update.
/// </summary>
public static class PacketHelpers
{
    /// <summary>bpf_skb_store_bytes.</summary>
    public const int SkbStoreBytes = 9;
    /// <summary>bpf_l3_csum_replace.</summary>
    public const int L3CsumReplace = 10;
    /// <summary>bpf_l4_csum_replace.</summary>
    public const int L4CsumReplace = 11;
    /// <summary>bpf_redirect.</summary>
    public const int Redirect = 23;
    /// <summary>bpf_skb_load_bytes.</summary>
    public const int SkbLoadBytes = 26;
    /// <summary>bpf_csum_diff.</summary>
    public const int CsumDiff = 28;
    /// <summary>bpf_xdp_adjust_head.</summary>
    public const int XdpAdjustHead = 44;
    /// <summary>bpf_redirect_map.</summary>
    public const int RedirectMap = 51;
    /// <summary>bpf_xdp_adjust_meta.</summary>
    public const int XdpAdjustMeta = 54;
    /// <summary>bpf_xdp_adjust_tail.</summary>
    public const int XdpAdjustTail = 65;

    private const ulong RecomputeCsum = 1, InvalidateHash = 2, HeaderFieldMask = 0xf;
    private const ulong PseudoHeader = 1 << 4, MarkMangled0 = 1 << 5, MarkEnforce = 1 << 6;
    private const ulong Ingress = 1, Broadcast = 1 << 3, ExcludeIngress = 1 << 4;
    private const int EthernetHeader = 14;
    private const int ScratchBytes = 512;

    /// <summary>Registers the packet helpers in <paramref name="table"/>.</summary>
    public static HelperTable Register(HelperTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        foreach (var helper in Create()) table.Register(helper);
        return table;
    }

    /// <summary>The packet helpers with their prototypes.</summary>
    public static IReadOnlyList<HelperDefinition> Create()
    {
        static HelperDefinition D(int id, string name, HelperPrototype prototype, HelperFunction function) => new(id, name, function) { Prototype = prototype };
        static HelperPrototype P(params HelperArgument[] a) => new(HelperReturn.Integer, a);
        return
        [
            D(SkbStoreBytes, "skb_store_bytes", P(Context, Anything, InitializedMemory, ConstSize, Anything), SkbStore),
            D(L3CsumReplace, "l3_csum_replace", P(Context, Anything, Anything, Anything, Anything), L3Replace),
            D(L4CsumReplace, "l4_csum_replace", P(Context, Anything, Anything, Anything, Anything), L4Replace),
            D(Redirect, "redirect", P(Anything, Anything), RedirectToInterface),
            D(SkbLoadBytes, "skb_load_bytes", P(Context, Anything, UninitializedMemory, ConstSize), SkbLoad),
            D(CsumDiff, "csum_diff", P(InitializedMemory, ConstSizeOrZero, InitializedMemory, ConstSizeOrZero, Anything), Diff),
            D(XdpAdjustHead, "xdp_adjust_head", P(Context, Anything), AdjustHead),
            D(RedirectMap, "redirect_map", P(ConstMapPointer, Anything, Anything), RedirectThroughMap),
            D(XdpAdjustMeta, "xdp_adjust_meta", P(Context, Anything), AdjustMeta),
            D(XdpAdjustTail, "xdp_adjust_tail", P(Context, Anything), AdjustTail),
        ];
    }

    private static BpfRuntimeException Fault(string helper, string detail) => new(RuntimeError.HelperFault, -1, null, $"{helper}: {detail}");

    private static ulong Error(int errno) => Errno.ToRegister(-errno);

    private static PacketContext Packet(RunContext context, ulong r1, string helper, bool skb)
    {
        if (context.State is not PacketContext packet) throw Fault(helper, "the run has no packet context");
        if (r1 != packet.ContextAddress) throw Fault(helper, $"0x{r1:x} is not the context pointer");
        if (packet.Layout.IsSkb != skb) throw Fault(helper, $"not available to {packet.ProgramType} programs");
        return packet;
    }

    // ---- skb ----

    private static ulong SkbStore(RunContext context, ulong r1, ulong offset, ulong from, ulong length, ulong flags)
    {
        var packet = Packet(context, r1, "skb_store_bytes", skb: true);
        var source = context.GetMemory(from, length, MemoryAccess.Read, "skb_store_bytes source");
        if ((flags & ~(RecomputeCsum | InvalidateHash)) != 0) return Error(Errno.EINVAL);
        if (offset > int.MaxValue || offset + length > (ulong)packet.Length) return Error(Errno.EFAULT);
        if (packet.ProgramType == BpfProgramType.SocketFilter) throw Fault("skb_store_bytes", "not available to socket filters");
        source.CopyTo(packet.Packet.Slice((int)offset, (int)length));
        return 0;
    }

    private static ulong SkbLoad(RunContext context, ulong r1, ulong offset, ulong to, ulong length, ulong r5)
    {
        var packet = Packet(context, r1, "skb_load_bytes", skb: true);
        var destination = context.GetMemory(to, length, MemoryAccess.Write, "skb_load_bytes destination");
        if (offset > int.MaxValue || offset + length > (ulong)packet.Length)
        {
            destination.Clear();
            return Error(Errno.EFAULT);
        }
        packet.Packet.Slice((int)offset, (int)length).CopyTo(destination);
        return 0;
    }

    private static ulong L3Replace(RunContext context, ulong r1, ulong offset, ulong from, ulong to, ulong flags)
    {
        var packet = Packet(context, r1, "l3_csum_replace", skb: true);
        if ((flags & ~HeaderFieldMask) != 0) return Error(Errno.EINVAL);
        if (offset > 0xffff || (offset & 1) != 0 || offset + 2 > (ulong)packet.Length) return Error(Errno.EFAULT);
        var field = packet.Packet.Slice((int)offset, 2);
        ushort sum = BinaryPrimitives.ReadUInt16LittleEndian(field);
        switch (flags & HeaderFieldMask)
        {
            case 0:
                if (from != 0) return Error(Errno.EINVAL);
                sum = Checksum.ReplaceByDiff(sum, (uint)to);
                break;
            case 2:
                sum = Checksum.Replace2(sum, (ushort)from, (ushort)to);
                break;
            case 4:
                sum = Checksum.Replace4(sum, (uint)from, (uint)to);
                break;
            default:
                return Error(Errno.EINVAL);
        }
        BinaryPrimitives.WriteUInt16LittleEndian(field, sum);
        return 0;
    }

    private static ulong L4Replace(RunContext context, ulong r1, ulong offset, ulong from, ulong to, ulong flags)
    {
        var packet = Packet(context, r1, "l4_csum_replace", skb: true);
        bool mangledZero = (flags & MarkMangled0) != 0, enforce = (flags & MarkEnforce) != 0;
        if ((flags & ~(MarkMangled0 | MarkEnforce | PseudoHeader | HeaderFieldMask)) != 0) return Error(Errno.EINVAL);
        if (offset > 0xffff || (offset & 1) != 0 || offset + 2 > (ulong)packet.Length) return Error(Errno.EFAULT);
        var field = packet.Packet.Slice((int)offset, 2);
        ushort sum = BinaryPrimitives.ReadUInt16LittleEndian(field);
        // UDP's "no checksum" (0) stays 0 unless enforced.
        if (mangledZero && !enforce && sum == 0) return 0;
        switch (flags & HeaderFieldMask)
        {
            case 0:
                if (from != 0) return Error(Errno.EINVAL);
                sum = Checksum.ReplaceByDiff(sum, (uint)to);
                break;
            case 2:
                sum = Checksum.Replace4(sum, (ushort)from, (ushort)to);
                break;
            case 4:
                sum = Checksum.Replace4(sum, (uint)from, (uint)to);
                break;
            default:
                return Error(Errno.EINVAL);
        }
        if (mangledZero && sum == 0) sum = 0xffff;
        BinaryPrimitives.WriteUInt16LittleEndian(field, sum);
        return 0;
    }

    private static ulong Diff(RunContext context, ulong from, ulong fromSize, ulong to, ulong toSize, ulong seed)
    {
        if (((fromSize | toSize) & 3) != 0 || fromSize + toSize > ScratchBytes) return Error(Errno.EINVAL);
        var removed = context.GetMemory(from, fromSize, MemoryAccess.Read, "csum_diff from");
        var added = context.GetMemory(to, toSize, MemoryAccess.Read, "csum_diff to");
        ulong sum = (uint)seed;
        for (int i = 0; i < removed.Length; i += 4) sum += ~BinaryPrimitives.ReadUInt32LittleEndian(removed[i..]);
        for (int i = 0; i < added.Length; i += 4) sum += BinaryPrimitives.ReadUInt32LittleEndian(added[i..]);
        return Checksum.Fold32(sum);
    }

    // ---- redirect ----

    private static ulong RedirectToInterface(RunContext context, ulong ifIndex, ulong flags, ulong r3, ulong r4, ulong r5)
    {
        if (context.State is not PacketContext packet) throw Fault("redirect", "the run has no packet context");
        switch (packet.ProgramType)
        {
            case BpfProgramType.Xdp:
                if (flags != 0) return (ulong)XdpAction.Aborted;
                packet.Redirect = new RedirectTarget((uint)ifIndex, null, 0, flags);
                return (ulong)XdpAction.Redirect;
            case BpfProgramType.SchedCls or BpfProgramType.SchedAct:
                if ((flags & ~Ingress) != 0) return (ulong)(long)TcAction.Shot;
                packet.Redirect = new RedirectTarget((uint)ifIndex, null, 0, flags);
                return (ulong)(long)TcAction.Redirect;
            default:
                throw Fault("redirect", $"not available to {packet.ProgramType} programs");
        }
    }

    private static ulong RedirectThroughMap(RunContext context, ulong handle, ulong key, ulong flags, ulong r4, ulong r5)
    {
        if (context.State is not PacketContext { ProgramType: BpfProgramType.Xdp } packet) throw Fault("redirect_map", "only XDP programs may redirect through a map");
        var map = StandardHelpers.ResolveMap<RedirectMap>(context, handle, "redirect_map");
        const ulong actionMask = 3;
        ulong allowed = actionMask | (map.Type is MapType.DevMap or MapType.DevMapHash ? Broadcast | ExcludeIngress : 0);
        if ((flags & ~allowed) != 0) return (ulong)XdpAction.Aborted;
        bool found = map.TryGetTarget((uint)key, out uint target);
        if (!found && (flags & Broadcast) == 0) return flags & actionMask;
        uint ifIndex = map.Type is MapType.DevMap or MapType.DevMapHash ? target : 0;
        packet.Redirect = new RedirectTarget(ifIndex, map, (uint)key, flags);
        return (ulong)XdpAction.Redirect;
    }

    // ---- XDP ----

    private static ulong AdjustHead(RunContext context, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5)
    {
        var packet = Packet(context, r1, "xdp_adjust_head", skb: false);
        long offset = (int)r2;
        ulong metaLength = packet.Data - packet.DataMeta;
        ulong dataStart = packet.HardStart + PacketContext.XdpFrameSize + metaLength;
        ulong data = packet.Data + (ulong)offset;
        if (data < dataStart || data > packet.DataEnd - EthernetHeader) return Error(Errno.EINVAL);
        if (metaLength > 0)
            packet.FrameBytes(packet.DataMeta, (int)metaLength).CopyTo(packet.FrameBytes(packet.DataMeta + (ulong)offset, (int)metaLength));
        packet.SetPointers(packet.DataMeta + (ulong)offset, data, packet.DataEnd);
        return 0;
    }

    private static ulong AdjustMeta(RunContext context, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5)
    {
        var packet = Packet(context, r1, "xdp_adjust_meta", skb: false);
        ulong meta = packet.DataMeta + (ulong)(long)(int)r2;
        if (meta < packet.HardStart + PacketContext.XdpFrameSize || meta > packet.Data) return Error(Errno.EINVAL);
        ulong metaLength = packet.Data - meta;
        if ((metaLength & 3) != 0 || metaLength > 32) return Error(Errno.EACCES);
        packet.SetPointers(meta, packet.Data, packet.DataEnd);
        return 0;
    }

    private static ulong AdjustTail(RunContext context, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5)
    {
        var packet = Packet(context, r1, "xdp_adjust_tail", skb: false);
        long offset = (int)r2;
        ulong end = packet.DataEnd + (ulong)offset;
        if (end > packet.HardEnd || end < packet.Data + EthernetHeader) return Error(Errno.EINVAL);
        // Grown bytes could hold stale data from an earlier packet; the kernel clears them.
        if (offset > 0) packet.FrameBytes(packet.DataEnd, (int)offset).Clear();
        packet.SetPointers(packet.DataMeta, packet.Data, end);
        return 0;
    }
}

/// <summary>The kernel's one's-complement checksum primitives (<c>csum_fold</c>, <c>csum_replace*</c>) on host-order words.</summary>
public static class Checksum
{
    /// <summary>Folds a wide sum to 32 bits with end-around carries.</summary>
    public static uint Fold32(ulong sum)
    {
        while (sum >> 32 != 0) sum = (sum & 0xffff_ffff) + (sum >> 32);
        return (uint)sum;
    }

    /// <summary><c>csum_fold</c>: the 16-bit checksum (complemented) of a 32-bit partial sum.</summary>
    public static ushort Fold(uint sum)
    {
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }

    /// <summary><c>csum_add</c>.</summary>
    public static uint Add(uint a, uint b)
    {
        uint result = a + b;
        return result + (result < b ? 1u : 0u);
    }

    /// <summary><c>csum_replace4</c>: updates checksum <paramref name="sum"/> for a 32-bit field changing from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static ushort Replace4(ushort sum, uint from, uint to) => Fold(Add(Add(~(uint)sum, ~from), to));

    /// <summary><c>csum_replace2</c> (16-bit arithmetic).</summary>
    public static ushort Replace2(ushort sum, ushort from, ushort to) => (ushort)~Add16(Add16((ushort)~sum, (ushort)~from), to);

    /// <summary><c>csum_replace_by_diff</c>: applies a difference from <c>bpf_csum_diff</c>.</summary>
    public static ushort ReplaceByDiff(ushort sum, uint diff) => Fold(Add(diff, ~(uint)sum));

    /// <summary>The Internet checksum of <paramref name="data"/> as stored in memory (what goes into a header field).</summary>
    public static ushort Compute(ReadOnlySpan<byte> data)
    {
        ulong sum = 0;
        int i = 0;
        for (; i + 1 < data.Length; i += 2) sum += BinaryPrimitives.ReadUInt16LittleEndian(data[i..]);
        if (i < data.Length) sum += data[i];
        return Fold(Fold32(sum));
    }

    private static ushort Add16(ushort a, ushort b)
    {
        ushort result = (ushort)(a + b);
        return (ushort)(result + (result < b ? 1 : 0));
    }
}

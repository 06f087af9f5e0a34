using SharpBpf.Helpers;
using SharpBpf.ProgramTypes;

namespace SharpBpf.Tests.ProgramTypes;

public class ProgramTypeInfoTests
{
    private static ContextField? Load(BpfProgramType type, int offset, int size) => ProgramTypeInfo.For(type).FieldFor(offset, size, ContextAccess.Read);
    private static ContextField? Store(BpfProgramType type, int offset, int size) => ProgramTypeInfo.For(type).FieldFor(offset, size, ContextAccess.Write);

    [Fact]
    public void EveryRequestedTypeIsDescribedOnceAndLookupRoundTrips()
    {
        BpfProgramType[] required =
        [
            BpfProgramType.Unspecified, BpfProgramType.SocketFilter, BpfProgramType.Xdp, BpfProgramType.SchedCls, BpfProgramType.SchedAct,
            BpfProgramType.CgroupSkb, BpfProgramType.CgroupSock, BpfProgramType.CgroupSockAddr, BpfProgramType.SockOps,
            BpfProgramType.SkSkb, BpfProgramType.SkMsg, BpfProgramType.LwtIn, BpfProgramType.LwtOut, BpfProgramType.LwtXmit,
            BpfProgramType.Kprobe, BpfProgramType.Tracepoint, BpfProgramType.RawTracepoint, BpfProgramType.PerfEvent,
        ];
        Assert.Equal(required.Order(), ProgramTypeInfo.All.Select(i => i.Type).Order());
        foreach (var type in required) Assert.Equal(type, ProgramTypeInfo.For(type).Type);
        Assert.Equal(ProgramTypeInfo.All.Count, ProgramTypeInfo.All.Select(i => i.Name).Distinct().Count());
    }

    [Fact]
    public void UnknownTypesThrowArgumentException()
    {
        var error = Assert.Throws<ArgumentException>(() => ProgramTypeInfo.For(BpfProgramType.FlowDissector));
        Assert.Contains("FlowDissector", error.Message);
        Assert.Throws<ArgumentException>(() => ProgramTypeInfo.For((BpfProgramType)999));
    }

    [Fact]
    public void SocketFilterReadsSkbFieldsWritesOnlyCbAndHasNoPacketPointers()
    {
        var t = BpfProgramType.SocketFilter;
        Assert.Equal("len", Load(t, 0, 4)?.Name);
        Assert.Equal("len", Load(t, 0, 1)?.Name);          // narrow read
        Assert.Equal("protocol", Load(t, 18, 2)?.Name);   // narrow read of the upper half
        Assert.Null(Load(t, 17, 2));                        // misaligned
        Assert.Null(Load(t, 0, 8));                         // straddles len and pkt_type
        Assert.Null(Store(t, 8, 4));                        // mark is read-only here
        Assert.Equal("cb", Store(t, 48, 4)?.Name);
        Assert.Equal("cb", Store(t, 56, 8)?.Name);          // 8-byte store inside cb[]
        Assert.Equal("cb", Store(t, 67, 1)?.Name);
        Assert.Null(Store(t, 64, 8));                       // would run past cb[4]
        Assert.Null(Load(t, 76, 4));                        // data
        Assert.Null(Load(t, 80, 4));                        // data_end
        Assert.Null(Load(t, 72, 4));                        // tc_classid
        Assert.Null(Load(t, 92, 4));                        // remote_ip4
        Assert.Equal(ContextFieldKind.SockCommonPointerOrNull, Load(t, 168, 8)?.Kind);
        Assert.Null(Load(t, 168, 4));
        Assert.Null(Load(t, ContextLayouts.SkBuffSize, 4));
        Assert.Null(Load(t, -4, 4));
        var info = ProgramTypeInfo.For(t);
        Assert.True(info.AllowsLegacyPacketLoads);
        Assert.False(info.AllowsDirectPacketAccess);
        Assert.True(info.AllowsUnprivileged);
    }

    [Fact]
    public void TcSeesPacketPointersAndMayStoreTcFields()
    {
        var t = BpfProgramType.SchedCls;
        Assert.Equal(ContextFieldKind.PacketData, Load(t, 76, 4)?.Kind);
        Assert.Equal(ContextFieldKind.PacketEnd, Load(t, 80, 4)?.Kind);
        Assert.Equal(ContextFieldKind.PacketMeta, Load(t, 140, 4)?.Kind);
        Assert.Null(Load(t, 76, 2));                        // no narrow loads of packet pointers
        Assert.Null(Store(t, 76, 4));
        foreach (var field in new[] { "mark", "priority", "tc_index", "tc_classid", "queue_mapping" })
        {
            var f = ProgramTypeInfo.For(t).Fields.Single(x => x.Name == field);
            Assert.Same(f, Store(t, f.Offset, 4));
            Assert.Null(Store(t, f.Offset, 2));             // stores are full-width
        }
        Assert.Null(Store(t, 0, 4));                        // len
        Assert.Equal("tstamp_type", Load(t, 180, 1)?.Name);
        Assert.True(ProgramTypeInfo.For(t).AllowsPacketWrites);
    }

    [Fact]
    public void XdpContextIsReadOnlyWithFullWidthLoads()
    {
        var t = BpfProgramType.Xdp;
        Assert.Equal(ContextFieldKind.PacketData, Load(t, 0, 4)?.Kind);
        Assert.Equal(ContextFieldKind.PacketEnd, Load(t, 4, 4)?.Kind);
        Assert.Equal(ContextFieldKind.PacketMeta, Load(t, 8, 4)?.Kind);
        Assert.Equal("rx_queue_index", Load(t, 16, 4)?.Name);
        Assert.Null(Load(t, 12, 2));
        Assert.Null(Load(t, 0, 8));
        Assert.Null(Store(t, 12, 4));
        Assert.Null(Load(t, 24, 4));
        var info = ProgramTypeInfo.For(t);
        Assert.True(info.IsHelperAllowed(KernelHelpers.XdpAdjustHead));
        Assert.True(info.IsHelperAllowed(KernelHelpers.RedirectMap));
        Assert.False(info.IsHelperAllowed(KernelHelpers.SkbLoadBytes));
        Assert.False(info.IsHelperAllowed(HelperIds.ProbeRead));
        Assert.False(info.AllowsLegacyPacketLoads);
    }

    [Fact]
    public void CgroupSkbPacketPointersArePrivilegedAndReturnRangeIsChecked()
    {
        var info = ProgramTypeInfo.For(BpfProgramType.CgroupSkb);
        Assert.True(Load(BpfProgramType.CgroupSkb, 76, 4)!.PrivilegedOnly);
        Assert.Null(Load(BpfProgramType.CgroupSkb, 140, 4)); // data_meta
        Assert.Equal((0L, 3L), info.ReturnRange);
        Assert.True(info.ChecksReturnValue);
        Assert.False(info.AllowsPacketWrites);
        Assert.False(ProgramTypeInfo.For(BpfProgramType.Xdp).ChecksReturnValue);
        Assert.Equal((0L, 1L), ProgramTypeInfo.For(BpfProgramType.SockOps).ReturnRange);
    }

    [Fact]
    public void SkSkbHidesMarkAndStoresOnlyTcIndexAndPriority()
    {
        var t = BpfProgramType.SkSkb;
        Assert.Null(Load(t, 8, 4));
        Assert.NotNull(Store(t, 44, 4));
        Assert.NotNull(Store(t, 32, 4));
        Assert.Null(Store(t, 48, 4));
        Assert.Equal("family", Load(t, 88, 4)?.Name);
    }

    [Fact]
    public void SockOpsStoresOnlyReplyAndTxhash()
    {
        var t = BpfProgramType.SockOps;
        Assert.Equal("reply", Store(t, 4, 4)?.Name);
        Assert.Equal("sk_txhash", Store(t, 164, 4)?.Name);
        Assert.Null(Store(t, 0, 4));
        Assert.Equal(ContextFieldKind.PacketData, Load(t, 192, 8)?.Kind);
        Assert.Null(Load(t, 168, 4));                       // bytes_received is 8-byte only
        Assert.Equal("skb_tcp_flags", Load(t, 212, 1)?.Name);
        Assert.Equal(ContextFieldKind.SocketPointerOrNull, Load(t, 184, 8)?.Kind);
    }

    [Fact]
    public void SockAddrAndSkMsgFollowTheirKernelRules()
    {
        Assert.Equal("user_ip4", Store(BpfProgramType.CgroupSockAddr, 4, 4)?.Name);
        Assert.Equal("user_ip4", Load(BpfProgramType.CgroupSockAddr, 5, 1)?.Name);
        Assert.Null(Store(BpfProgramType.CgroupSockAddr, 0, 4));   // user_family is read-only
        Assert.Null(Load(BpfProgramType.CgroupSockAddr, 0, 2));    // and full-width
        Assert.Equal(ContextFieldKind.SocketPointer, Load(BpfProgramType.CgroupSockAddr, 64, 8)?.Kind);
        Assert.Equal(ContextFieldKind.PacketData, Load(BpfProgramType.SkMsg, 0, 8)?.Kind);
        Assert.Null(Load(BpfProgramType.SkMsg, 0, 4));
        Assert.Null(Store(BpfProgramType.SkMsg, 68, 4));
        Assert.Equal("dst_port", ContextLayouts.BpfSockFields.Single(f => f.Offset == 48).Name);
        Assert.All(ContextLayouts.BpfSockFields, f => Assert.Equal(ContextAccess.Read, f.Access));
        Assert.Equal("mark", Store(BpfProgramType.CgroupSock, 16, 4)?.Name);
    }

    [Fact]
    public void TracingContextsAreReadOnly()
    {
        Assert.Equal("rdi", Load(BpfProgramType.Kprobe, 112, 8)?.Name);
        Assert.Equal("rdi", Load(BpfProgramType.Kprobe, 116, 4)?.Name);
        Assert.Null(Store(BpfProgramType.Kprobe, 112, 8));
        Assert.Null(Load(BpfProgramType.Kprobe, 168, 8));
        Assert.Null(Load(BpfProgramType.Tracepoint, 0, 8));     // common fields are hidden
        Assert.NotNull(Load(BpfProgramType.Tracepoint, 8, 8));
        Assert.NotNull(Load(BpfProgramType.Tracepoint, 8188, 4));
        Assert.Null(Load(BpfProgramType.Tracepoint, 8192, 4));
        Assert.NotNull(Load(BpfProgramType.RawTracepoint, 88, 8));
        Assert.Null(Load(BpfProgramType.RawTracepoint, 96, 8));
        Assert.Null(Load(BpfProgramType.PerfEvent, 0, 4));      // registers are whole u64s
        Assert.Equal("sample_period", Load(BpfProgramType.PerfEvent, 168, 4)?.Name);
        foreach (var t in new[] { BpfProgramType.Kprobe, BpfProgramType.Tracepoint, BpfProgramType.RawTracepoint, BpfProgramType.PerfEvent })
        {
            var info = ProgramTypeInfo.For(t);
            Assert.True(info.IsHelperAllowed(HelperIds.GetCurrentPidTgid));
            Assert.True(info.IsHelperAllowed(HelperIds.ProbeRead));
            Assert.False(info.IsHelperAllowed(HelperIds.KtimeGetCoarseNs));
            Assert.False(info.IsHelperAllowed(KernelHelpers.SkbLoadBytes));
            Assert.False(info.AllowsDirectPacketAccess);
        }
    }

    [Fact]
    public void RawMemoryIsOneWritableBufferOfTheRequestedSize()
    {
        var info = ProgramTypeInfo.ForRawMemory(16);
        Assert.Equal(BpfProgramType.Unspecified, info.Type);
        Assert.Equal(16, info.ContextSize);
        Assert.NotNull(info.FieldFor(8, 8, ContextAccess.Write));
        Assert.NotNull(info.FieldFor(15, 1, ContextAccess.ReadWrite));
        Assert.Null(info.FieldFor(16, 1, ContextAccess.Read));
        Assert.Null(info.FieldFor(12, 8, ContextAccess.Read));
        Assert.NotNull(ProgramTypeInfo.ForRawMemory(4).FieldFor(0, 2, ContextAccess.Write));
        Assert.Equal(ProgramTypeInfo.DefaultRawMemorySize, ProgramTypeInfo.For(BpfProgramType.Unspecified).ContextSize);
        Assert.Throws<ArgumentOutOfRangeException>(() => ProgramTypeInfo.ForRawMemory(0));
        foreach (var id in new[] { HelperIds.MapLookupElem, HelperIds.Loop, HelperIds.RingbufReserve, HelperIds.SpinLock })
            Assert.True(info.IsHelperAllowed(id));
    }

    [Fact]
    public void EveryTypeGetsTheMapHelpersAndPacketHelpersStayWithPacketTypes()
    {
        foreach (var info in ProgramTypeInfo.All)
        {
            Assert.True(info.IsHelperAllowed(HelperIds.MapLookupElem), info.Name);
            Assert.True(info.IsHelperAllowed(HelperIds.TailCall), info.Name);
            Assert.Equal(info.IsHelperAllowed(KernelHelpers.SkbStoreBytes),
                info.Type is BpfProgramType.SchedCls or BpfProgramType.SchedAct or BpfProgramType.LwtXmit or BpfProgramType.SkSkb);
            if (info.AllowsPacketWrites) Assert.True(info.AllowsDirectPacketAccess, info.Name);
        }
        Assert.True(ProgramTypeInfo.PrivilegedHelpers.Contains(HelperIds.SpinLock));
    }
}

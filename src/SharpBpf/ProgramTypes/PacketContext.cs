using System.Buffers.Binary;
using SharpBpf.Memory;
using SharpBpf.Runtime;

namespace SharpBpf.ProgramTypes;

/// <summary>
/// One packet as a running program sees it: a native frame (headroom, packet, tailroom) and the context struct
/// pointing into it. Packet helpers reach it through <see cref="RunContext.State"/>; it keeps the context fields,
/// the run's packet region and the legacy-load packet in step when a helper moves <c>data</c> or
/// <c>data_end</c>. <see cref="PacketProgram"/> keeps one per thread and loads each packet into it
/// (<see cref="Load(ReadOnlySpan{byte}, in PacketMetadata)"/>), so a run allocates nothing and registers no regions.
/// </summary>
public sealed class PacketContext : IDisposable
{
    /// <summary>Room in front of the packet, as the kernel's <c>XDP_PACKET_HEADROOM</c>.</summary>
    public const int DefaultHeadroom = 256;

    /// <summary>Bytes of a frame (one page), as XDP drivers give.</summary>
    public const int DefaultFrameSize = 4096;

    /// <summary>Size of <c>struct xdp_frame</c> that the kernel keeps at the top of the headroom.</summary>
    internal const int XdpFrameSize = 40;

    /// <summary><c>SKB_DATA_ALIGN(sizeof(struct skb_shared_info))</c>, reserved at the end of a frame.</summary>
    internal const int SharedInfoSize = 320;

    private readonly NativeBlock _context;
    private readonly int _headroom;
    private readonly int _frameSize;
    private NativeBlock _frame;
    private RunContext? _run;
    private int _packetRegionIndex = -1;
    // Frame bytes [_dirtyStart, _dirtyEnd) may hold data of the current or an earlier packet: every range the
    // packet (with its metadata) has occupied since the last clear. The rest of the frame is zero.
    private ulong _dirtyStart, _dirtyEnd;
    // The packet is the caller's pinned memory (a socket filter's), not a copy in the frame.
    private bool _external;
    // The context struct as the last distinct metadata fills it (see Load).
    private byte[]? _template;
    private PacketMetadata _templateMetadata;

    internal PacketContext(PacketLayout layout, int headroom, int frameSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(headroom, XdpFrameSize);
        Layout = layout;
        _headroom = headroom;
        _frameSize = frameSize;
        _frame = new NativeBlock(Math.Max(frameSize, headroom + SharedInfoSize));
        _context = new NativeBlock(layout.NativeSize);
        HardStart = _frame.Address;
    }

    /// <summary>The layout of the context struct.</summary>
    public PacketLayout Layout { get; }

    /// <summary>The program type.</summary>
    public BpfProgramType ProgramType => Layout.Type;

    /// <summary>Address of the context struct (the program's r1).</summary>
    public ulong ContextAddress => _context.Address;

    /// <summary>Start of the frame (<c>data_hard_start</c>).</summary>
    public ulong HardStart { get; private set; }

    /// <summary>Last byte the packet may grow to (frame end less the reserved shared info).</summary>
    public ulong HardEnd { get; private set; }

    /// <summary>Bytes of the frame in use.</summary>
    public int FrameLength { get; private set; }

    /// <summary>Current <c>data</c>.</summary>
    public ulong Data { get; private set; }

    /// <summary>Current <c>data_end</c>.</summary>
    public ulong DataEnd { get; private set; }

    /// <summary>Current <c>data_meta</c> (equal to <see cref="Data"/> when there is no metadata).</summary>
    public ulong DataMeta { get; private set; }

    /// <summary>Packet length.</summary>
    public int Length => (int)(DataEnd - Data);

    /// <summary>The packet bytes.</summary>
    public Span<byte> Packet => _external ? NativeView.At(Data, Length) : _frame.Slice((int)(Data - HardStart), Length);

    /// <summary>The metadata bytes in front of the packet.</summary>
    public Span<byte> Metadata => _external ? Span<byte>.Empty : _frame.Slice((int)(DataMeta - HardStart), (int)(Data - DataMeta));

    /// <summary>The native context struct (UAPI part and private pointer slots).</summary>
    public Span<byte> Context => _context.Slice(0, Layout.NativeSize);

    /// <summary>Redirect requested by the program, if any.</summary>
    public RedirectTarget? Redirect { get; internal set; }

    /// <summary>Reads a 32-bit context field at a UAPI offset.</summary>
    public uint ReadField(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(_context.Slice(offset, 4));

    /// <summary>
    /// Puts <paramref name="data"/> with <paramref name="metadata"/> in the frame, as a fresh packet: the bytes an
    /// earlier packet left are cleared, the context struct is rebuilt, and an attached run sees the new packet.
    /// </summary>
    internal void Load(ReadOnlySpan<byte> data, in PacketMetadata metadata) => Load(data, metadata, 0);

    /// <summary>
    /// <see cref="Load(ReadOnlySpan{byte}, in PacketMetadata)"/>, or with a non-zero <paramref name="pinnedAddress"/> (the
    /// address of <paramref name="data"/>, pinned by the caller for the run) the packet stays where it is: for socket
    /// filters, which may read their packet but never write it or move its bounds.
    /// </summary>
    internal void Load(ReadOnlySpan<byte> data, in PacketMetadata metadata, ulong pinnedAddress)
    {
        int length = data.Length;
        Redirect = null;
        _external = pinnedAddress != 0;
        if (_external)
        {
            Data = DataMeta = pinnedAddress;
            DataEnd = pinnedAddress + (ulong)length;
        }
        else
        {
            int frame = Math.Max(_frameSize, _headroom + length + SharedInfoSize);
            if (frame > _frame.Length) Grow(frame);
            else if (_dirtyEnd > _dirtyStart) ClearDirty(length);
            FrameLength = frame;
            HardEnd = HardStart + (ulong)(frame - SharedInfoSize);
            data.CopyTo(_frame.Slice(_headroom, length));
            Data = DataMeta = HardStart + (ulong)_headroom;
            DataEnd = Data + (ulong)length;
            _dirtyStart = Data;
            _dirtyEnd = DataEnd;
        }
        var context = _context.Span;
        if (_template is not null && _templateMetadata.SameAs(metadata))
        {
            // Same metadata as the last packet: only the fields a program can write may differ from the template.
            // Word by word: these ranges are a few bytes each, less than the call of a general copy costs.
            foreach (var (offset, size) in Layout.WritableRanges)
                for (int at = offset; at < offset + size; at += 4)
                    BinaryPrimitives.WriteUInt32LittleEndian(context[at..], BinaryPrimitives.ReadUInt32LittleEndian(_template.AsSpan(at)));
        }
        else
        {
            // The fields the metadata decides, built once per distinct metadata.
            context.Clear();
            FillMetadata(context, metadata);
            _template ??= new byte[context.Length];
            context.CopyTo(_template);
            _templateMetadata = metadata;
        }
        if (Layout.IsSkb && metadata.Protocol is null)
            Put(context, PacketLayout.SkBuff.Protocol, ProtocolField(data.Length >= 14 ? BinaryPrimitives.ReadUInt16BigEndian(data[12..]) : (ushort)0));
        WritePointers(context);
        UpdateRun();
    }

    /// <summary>After a run on a packet in the caller's memory: the context holds an empty packet in its own frame.</summary>
    internal void ForgetExternalPacket()
    {
        // The run context's legacy packet is left as it is: only a run reads it, after the next Load set it.
        _external = false;
        Data = DataMeta = DataEnd = HardStart + (ulong)_headroom;
    }

    private void Grow(int frame)
    {
        var larger = new NativeBlock(frame);
        _frame.Dispose();
        _frame = larger;
        HardStart = _frame.Address;
        _dirtyStart = _dirtyEnd = 0;
    }

    // No byte of an earlier packet may show through headroom, tailroom or metadata; the bytes the next packet
    // (length bytes at the headroom) overwrites need no clearing.
    private void ClearDirty(int length)
    {
        ulong start = HardStart + (ulong)_headroom, end = start + (ulong)length;
        if (_dirtyStart < start) ClearFrame(_dirtyStart, Math.Min(_dirtyEnd, start));
        if (_dirtyEnd > end) ClearFrame(Math.Max(_dirtyStart, end), _dirtyEnd);
    }

    /// <summary>
    /// Attaches the context to a run: the context region, its writable fields, the packet region and the legacy
    /// packet. Later <see cref="Load(ReadOnlySpan{byte}, in PacketMetadata)"/>s and pointer moves update the run in place.
    /// </summary>
    public void AddRegionsTo(RunContext run)
    {
        ArgumentNullException.ThrowIfNull(run);
        _run = run;
        run.State = this;
        run.AddRegion(new MemoryRegion(_context.Address, (ulong)Layout.NativeSize, MemoryAccess.Read, "context"));
        foreach (var (name, offset, size) in Layout.WritableFields)
            run.AddRegion(new MemoryRegion(_context.Address + (ulong)offset, (ulong)size, MemoryAccess.ReadWrite, $"context field '{name}'"));
        _packetRegionIndex = run.RegionCount;
        run.AddRegion(PacketRegion());
        run.PacketStart = Data;
        run.PacketLength = (ulong)Length;
    }

    /// <summary>Moves <c>data_meta</c>, <c>data</c> and <c>data_end</c> (the adjust helpers); updates the context and the run.</summary>
    internal void SetPointers(ulong dataMeta, ulong data, ulong dataEnd)
    {
        DataMeta = dataMeta;
        Data = data;
        DataEnd = dataEnd;
        _dirtyStart = Math.Min(_dirtyStart, dataMeta);
        _dirtyEnd = Math.Max(_dirtyEnd, dataEnd);
        WritePointers();
        UpdateRun();
    }

    private void ClearFrame(ulong start, ulong end) => _frame.Slice((int)(start - HardStart), (int)(end - start)).Clear();

    private void UpdateRun()
    {
        if (_run is { } run && _packetRegionIndex >= 0 && _packetRegionIndex < run.RegionCount && ReferenceEquals(run.State, this))
        {
            // A frame-wide region changes only when the frame is reallocated; a packet in the caller's memory (a socket
            // filter's, which no program or helper addresses by pointer) gets an empty one, stored once.
            ref readonly var current = ref run.Regions[_packetRegionIndex];
            bool stale = _external ? current.Length != 0 : !FrameWideRegion || current.Start != HardStart;
            if (stale) run.ReplaceRegion(_packetRegionIndex, PacketRegion());
            run.PacketStart = Data;
            run.PacketLength = (ulong)Length;
        }
    }

    /// <summary>
    /// When set (before <see cref="AddRegionsTo"/>), the run's packet region covers the whole usable frame rather
    /// than <c>data_meta..data_end</c>, so it need not move with every packet. Only for programs that run without
    /// bounds checks: their accesses were proven by the verifier, and the region then only bounds what helpers may
    /// touch, which stays inside the frame SharpBpf owns (cleared of earlier packets).
    /// </summary>
    internal bool FrameWideRegion { get; set; }

    /// <summary>Frame bytes at <paramref name="address"/> (bounds-checked against the frame).</summary>
    internal Span<byte> FrameBytes(ulong address, int length) =>
        _external ? throw new InvalidOperationException("the packet is the caller's memory, not in the frame")
            : _frame.Slice(checked((int)(address - HardStart)), length);

    /// <summary>Frees the native memory.</summary>
    public void Dispose()
    {
        _frame.Dispose();
        _context.Dispose();
    }

    private MemoryRegion PacketRegion()
    {
        // Socket filters may not write the packet (the kernel gives them no direct packet access at all); XDP and tc may.
        var access = ProgramType == BpfProgramType.SocketFilter ? MemoryAccess.Read : MemoryAccess.ReadWrite;
        if (_external) return new MemoryRegion(HardStart, 0, access, "packet");
        if (FrameWideRegion) return new MemoryRegion(HardStart, (ulong)(_frame.Length - SharedInfoSize), access, "packet");
        // Metadata sits right in front of data, so one region covers both.
        return new MemoryRegion(DataMeta, DataEnd - DataMeta, access, "packet");
    }

    private void WritePointers() => WritePointers(_context.Span);

    private void WritePointers(Span<byte> span)
    {
        if (Layout.IsSkb)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[PacketLayout.SkBuff.Len..], (uint)Length);
            BinaryPrimitives.WriteUInt32LittleEndian(span[PacketLayout.SkBuff.WireLen..], (uint)Length);
        }
        // A packet run in place is a socket filter's, which has no direct packet access: no pointer to give it.
        if (_external) return;
        BinaryPrimitives.WriteUInt64LittleEndian(span[Layout.PrivateOffset..], Data);
        BinaryPrimitives.WriteUInt64LittleEndian(span[(Layout.PrivateOffset + 8)..], DataEnd);
        BinaryPrimitives.WriteUInt64LittleEndian(span[(Layout.PrivateOffset + 16)..], DataMeta);
        // The UAPI fields keep the low halves, what an unrewritten 32-bit load would see.
        BinaryPrimitives.WriteUInt32LittleEndian(span[Layout.DataOffset..], (uint)Data);
        BinaryPrimitives.WriteUInt32LittleEndian(span[Layout.DataEndOffset..], (uint)DataEnd);
        BinaryPrimitives.WriteUInt32LittleEndian(span[Layout.DataMetaOffset..], (uint)DataMeta);
    }

    private void FillMetadata(Span<byte> context, in PacketMetadata input)
    {
        if (!Layout.IsSkb)
        {
            Put(context, PacketLayout.XdpMd.IngressIfIndex, input.IfIndex);
            Put(context, PacketLayout.XdpMd.RxQueueIndex, input.QueueIndex);
            return;
        }
        Put(context, PacketLayout.SkBuff.PktType, input.PacketType);
        Put(context, PacketLayout.SkBuff.Mark, input.Mark);
        Put(context, PacketLayout.SkBuff.QueueMapping, input.QueueIndex);
        if (input.Protocol is { } protocol) Put(context, PacketLayout.SkBuff.Protocol, ProtocolField(protocol));
        if (input.VlanTci is { } tci)
        {
            Put(context, PacketLayout.SkBuff.VlanPresent, 1);
            Put(context, PacketLayout.SkBuff.VlanTci, tci);
            Put(context, PacketLayout.SkBuff.VlanProto, ProtocolField(0x8100));
        }
        Put(context, PacketLayout.SkBuff.Priority, input.Priority);
        Put(context, PacketLayout.SkBuff.IngressIfIndex, input.IngressIfIndex);
        Put(context, PacketLayout.SkBuff.IfIndex, input.IfIndex);
        var cb = input.ControlBlock.Span;
        for (int i = 0; i < Math.Min(cb.Length, 5); i++) Put(context, PacketLayout.SkBuff.Cb + 4 * i, cb[i]);
        Put(context, PacketLayout.SkBuff.Hash, input.Hash);
        BinaryPrimitives.WriteUInt64LittleEndian(context[PacketLayout.SkBuff.Tstamp..], input.Timestamp);
        Put(context, PacketLayout.SkBuff.GsoSegs, 1);
    }

    // A __be16 in a __u32: the network-order bytes in the low half.
    private static uint ProtocolField(ushort protocol) => BinaryPrimitives.ReverseEndianness(protocol);

    private static void Put(Span<byte> context, int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(context[offset..], value);
}

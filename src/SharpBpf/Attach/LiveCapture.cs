using System.Runtime.InteropServices;
using static SharpBpf.Attach.LinuxPacketSocket;

namespace SharpBpf.Attach;

/// <summary>
/// Captures packets from a network interface through a Linux <c>AF_PACKET</c> raw socket bound to it (all
/// protocols), the same vantage point as a socket filter attached with <c>SO_ATTACH_BPF</c>.
/// </summary>
/// <remarks>
/// Needs root or CAP_NET_RAW; without them <see cref="Open"/> throws <see cref="BpfCaptureException"/> saying so.
/// On <c>lo</c> every packet is seen twice, once as <see cref="PacketType.Outgoing"/> and once as
/// <see cref="PacketType.Host"/>; a socket filter on <c>lo</c> (the kernel's sock_example) sees and counts both.
/// tcpdump/libpcap drop the outgoing copy on loopback, so a file captured with tcpdump holds each packet once:
/// to compare live counts with a file, count only records whose type is not Outgoing (or halve).
/// Records carry the kernel's receive timestamp (SIOCGSTAMPNS), the interface index and <c>sll_pkttype</c>.
/// </remarks>
public sealed class LiveCapture : IDisposable
{
    private const ushort HardwareEthernet = 1;      // ARPHRD_ETHER
    private const ushort HardwareLoopback = 772;    // ARPHRD_LOOPBACK
    private const ushort HardwareRawIp = 519;       // ARPHRD_RAWIP
    private const ushort HardwareNone = 0xFFFE;     // ARPHRD_NONE (tun devices)
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(100);

    private readonly byte[] _buffer;
    private int _socket;

    private LiveCapture(string interfaceName, int interfaceIndex, int socket, int snapLength)
    {
        InterfaceName = interfaceName;
        InterfaceIndex = interfaceIndex;
        _socket = socket;
        _buffer = new byte[snapLength];
    }

    /// <summary>Opens a raw socket on <paramref name="interfaceName"/> (for example "lo").</summary>
    /// <param name="interfaceName">Kernel interface name.</param>
    /// <param name="snapLength">Largest number of bytes kept per packet (longer packets are cut; their original length is kept).</param>
    /// <exception cref="BpfCaptureException">Not Linux, no such interface, or no permission for raw sockets.</exception>
    public static LiveCapture Open(string interfaceName, int snapLength = PcapWriter.DefaultSnapLength)
    {
        ArgumentNullException.ThrowIfNull(interfaceName);
        ArgumentOutOfRangeException.ThrowIfLessThan(snapLength, 64);
        if (!OperatingSystem.IsLinux())
            throw new BpfCaptureException("live capture uses Linux AF_PACKET sockets and is not available on this operating system");
        uint index = InterfaceNameToIndex(interfaceName);
        if (index == 0)
            throw new BpfCaptureException($"no network interface named '{interfaceName}': {Describe(Marshal.GetLastPInvokeError())}");
        ushort protocol = (ushort)((EthernetProtocolAll >> 8) | (EthernetProtocolAll << 8));
        int socket = Socket(AddressFamilyPacket, SocketRaw, protocol);
        if (socket < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno is ErrorPermission or ErrorAccess
                ? new BpfCaptureException($"cannot open a raw AF_PACKET socket on '{interfaceName}': raw sockets need root or CAP_NET_RAW ({(errno == ErrorPermission ? "errno EPERM" : "errno EACCES")})")
                : new BpfCaptureException($"cannot open a raw AF_PACKET socket on '{interfaceName}': {Describe(errno)}");
        }
        var capture = new LiveCapture(interfaceName, (int)index, socket, snapLength);
        try
        {
            var address = new SockAddrLinkLayer { Family = AddressFamilyPacket, Protocol = protocol, InterfaceIndex = (int)index };
            if (Bind(socket, address, (uint)Marshal.SizeOf<SockAddrLinkLayer>()) != 0)
                throw new BpfCaptureException($"cannot bind the raw socket to '{interfaceName}' (ifindex {index}): {Describe(Marshal.GetLastPInvokeError())}");
            var timeout = new TimeValue { Seconds = 0, Microseconds = (long)s_pollInterval.TotalMicroseconds };
            if (SetSocketOption(socket, SolSocket, SoReceiveTimeout, timeout, (uint)Marshal.SizeOf<TimeValue>()) != 0)
                throw new BpfCaptureException($"cannot set SO_RCVTIMEO on the raw socket: {Describe(Marshal.GetLastPInvokeError())}");
            return capture;
        }
        catch
        {
            capture.Dispose();
            throw;
        }
    }

    /// <summary>The interface name given to <see cref="Open"/>.</summary>
    public string InterfaceName { get; }

    /// <summary>The kernel ifindex of the interface (from <c>if_nametoindex</c>).</summary>
    public int InterfaceIndex { get; }

    /// <summary>Largest number of bytes kept per packet.</summary>
    public int SnapLength => _buffer.Length;

    /// <summary>Number of records delivered so far.</summary>
    public long RecordsRead { get; private set; }

    /// <summary>
    /// Waits for the next packet on the interface. Returns false, without an exception, once
    /// <paramref name="cancellationToken"/> is cancelled (checked at least every 100 ms) or the capture is disposed.
    /// </summary>
    /// <exception cref="BpfCaptureException">The socket failed (for example the interface went away), or the interface's hardware type has no supported link type.</exception>
    public bool TryReadNext(out PacketRecord record, CancellationToken cancellationToken = default) =>
        TryReadNext(out record, Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>
    /// <see cref="TryReadNext(out PacketRecord, CancellationToken)"/> that also returns false once
    /// <paramref name="timeout"/> has passed with no packet (checked at least every 100 ms against the clock, so it
    /// needs no timer: it holds when the thread pool is too busy to run one).
    /// </summary>
    /// <exception cref="BpfCaptureException">The socket failed (for example the interface went away), or the interface's hardware type has no supported link type.</exception>
    public bool TryReadNext(out PacketRecord record, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        record = default;
        long deadline = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Environment.TickCount64 + (long)Math.Max(0, timeout.TotalMilliseconds);
        while (!cancellationToken.IsCancellationRequested && Environment.TickCount64 < deadline)
        {
            int socket = _socket;
            if (socket < 0) return false;
            var from = default(SockAddrLinkLayer);
            uint fromLength = (uint)Marshal.SizeOf<SockAddrLinkLayer>();
            nint length = ReceiveFrom(socket, ref _buffer[0], (nuint)_buffer.Length, MessageTruncate, ref from, ref fromLength);
            if (length < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno is ErrorAgain or ErrorInterrupted) continue;
                if (_socket < 0) return false;
                throw new BpfCaptureException($"receiving from '{InterfaceName}' failed: {Describe(errno)}");
            }
            // Packets queued between socket() and bind() may come from other interfaces.
            if (from.InterfaceIndex != InterfaceIndex) continue;
            LinkType linkType = from.HardwareType switch
            {
                HardwareEthernet or HardwareLoopback => LinkType.Ethernet,
                HardwareNone or HardwareRawIp => LinkType.Raw,
                _ => throw new BpfCaptureException($"interface '{InterfaceName}' has hardware type {from.HardwareType}, which has no supported link type"),
            };
            long timestamp = IoctlTimeSpec(socket, IoctlGetStampNanoseconds, out TimeSpec stamp) == 0
                ? stamp.Seconds * 1_000_000_000 + stamp.Nanoseconds
                : (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;
            int captured = (int)Math.Min(length, _buffer.Length);
            RecordsRead++;
            record = new PacketRecord(RecordsRead, timestamp, from.InterfaceIndex, linkType, (int)Math.Min(length, int.MaxValue),
                _buffer.AsSpan(0, captured).ToArray(), from.PacketType <= 7 ? (PacketType)from.PacketType : PacketType.Unknown);
            return true;
        }
        return false;
    }

    /// <summary>Streams packets until <paramref name="cancellationToken"/> is cancelled or the capture is disposed.</summary>
    public IEnumerable<PacketRecord> ReadPackets(CancellationToken cancellationToken = default)
    {
        while (TryReadNext(out PacketRecord record, cancellationToken)) yield return record;
    }

    /// <summary>Closes the socket; a read in progress ends within the 100 ms poll interval.</summary>
    public void Dispose()
    {
        int socket = Interlocked.Exchange(ref _socket, -1);
        if (socket >= 0) Close(socket);
    }
}

using System.Runtime.InteropServices;

namespace SharpBpf.Attach;

/// <summary>The few libc calls an AF_PACKET capture needs (Linux only).</summary>
internal static partial class LinuxPacketSocket
{
    public const int AddressFamilyPacket = 17;       // AF_PACKET
    public const int SocketRaw = 3;                  // SOCK_RAW
    public const ushort EthernetProtocolAll = 0x0003; // ETH_P_ALL
    public const int SolSocket = 1;                  // SOL_SOCKET
    public const int SoReceiveTimeout = 20;          // SO_RCVTIMEO (SO_RCVTIMEO_OLD: struct timeval of two longs)
    public const int MessageTruncate = 0x20;         // MSG_TRUNC: recvfrom returns the packet's real length
    public const ulong IoctlGetStampNanoseconds = 0x8907; // SIOCGSTAMPNS
    public const int ErrorPermission = 1;            // EPERM
    public const int ErrorInterrupted = 4;           // EINTR
    public const int ErrorAgain = 11;                // EAGAIN / EWOULDBLOCK
    public const int ErrorAccess = 13;               // EACCES
    public const int ErrorNoDevice = 19;             // ENODEV
    public const int ErrorAddressFamily = 97;        // EAFNOSUPPORT

    /// <summary><c>struct sockaddr_ll</c> from <c>linux/if_packet.h</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SockAddrLinkLayer
    {
        public ushort Family;
        public ushort Protocol;      // network byte order
        public int InterfaceIndex;
        public ushort HardwareType;  // ARPHRD_*
        public byte PacketType;      // PACKET_*
        public byte AddressLength;
        public ulong Address;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct TimeValue
    {
        public long Seconds;
        public long Microseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "if_nametoindex", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint InterfaceNameToIndex(string name);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    public static partial int Bind(int socket, in SockAddrLinkLayer address, uint addressLength);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSocketOption(int socket, int level, int name, in TimeValue value, uint valueLength);

    [LibraryImport("libc", EntryPoint = "recvfrom", SetLastError = true)]
    public static partial nint ReceiveFrom(int socket, ref byte buffer, nuint length, int flags, ref SockAddrLinkLayer from, ref uint fromLength);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int IoctlTimeSpec(int descriptor, ulong request, out TimeSpec value);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int descriptor);

    [LibraryImport("libc", EntryPoint = "strerror")]
    private static partial nint StrError(int error);

    public static string Describe(int errno) => $"{Marshal.PtrToStringUTF8(StrError(errno)) ?? "unknown error"} (errno {errno})";
}

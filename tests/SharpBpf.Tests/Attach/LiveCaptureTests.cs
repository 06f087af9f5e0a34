using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using SharpBpf.Attach;
using Xunit.Abstractions;

namespace SharpBpf.Tests.Attach;

/// <summary>
/// Live AF_PACKET capture on <c>lo</c>: UDP datagrams sent to 127.0.0.1 are seen, twice (outgoing and incoming);
/// cancellation ends a read loop; a missing interface or a missing CAP_NET_RAW is a clear <see cref="BpfCaptureException"/>.
/// Tests that need raw sockets print why and return when the process may not open them.
/// </summary>
public partial class LiveCaptureTests(ITestOutputHelper output)
{
    private LiveCapture? OpenLoopback()
    {
        try
        {
            return LiveCapture.Open("lo");
        }
        catch (BpfCaptureException e) when (e.Message.Contains("CAP_NET_RAW", StringComparison.Ordinal))
        {
            output.WriteLine("skipped: " + e.Message);
            return null;
        }
    }

    [Fact]
    public void UdpDatagramsToLoopbackAreCapturedInBothDirections()
    {
        using var capture = OpenLoopback();
        if (capture is null) return;
        using var receiver = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        using var sender = new UdpClient();
        int port = ((IPEndPoint)receiver.Client.LocalEndPoint!).Port;
        string marker = "sharpbpf-live-" + Guid.NewGuid().ToString("N");
        const int Datagrams = 3;
        for (int i = 0; i < Datagrams; i++)
        {
            byte[] payload = System.Text.Encoding.ASCII.GetBytes($"{marker}-{i}");
            sender.Send(payload, payload.Length, new IPEndPoint(IPAddress.Loopback, port));
        }

        byte[] markerBytes = System.Text.Encoding.ASCII.GetBytes(marker);
        var seen = new List<PacketRecord>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (seen.Count < 2 * Datagrams && capture.TryReadNext(out PacketRecord record, timeout.Token))
            if (record.Span.IndexOf(markerBytes) >= 0) seen.Add(record);

        Assert.Equal(2 * Datagrams, seen.Count);
        Assert.Equal(Datagrams, seen.Count(r => r.PacketType == PacketType.Outgoing));
        Assert.Equal(Datagrams, seen.Count(r => r.PacketType == PacketType.Host));
        long now = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;
        foreach (var record in seen)
        {
            Assert.Equal(LinkType.Ethernet, record.LinkType);
            Assert.Equal(capture.InterfaceIndex, record.InterfaceIndex);
            Assert.Equal(14 + 20 + 8 + markerBytes.Length + 2, record.OriginalLength);
            Assert.Equal(record.OriginalLength, record.CapturedLength);
            Assert.Equal(17, record.Span[23]); // the byte sock_example reads: IPPROTO_UDP
            Assert.InRange(record.TimestampNanoseconds, now - 60_000_000_000, now + 1_000_000_000);
        }
    }

    [Fact]
    public void CancellationEndsTheReadLoop()
    {
        using var capture = OpenLoopback();
        if (capture is null) return;
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var watch = Stopwatch.StartNew();
        foreach (var _ in capture.ReadPackets(cancel.Token)) { }
        Assert.True(cancel.IsCancellationRequested);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the loop took {watch.Elapsed} to notice the cancellation");
    }

    [Fact]
    public void A_read_with_a_timeout_returns_by_the_clock_without_a_timer()
    {
        using var capture = OpenLoopback();
        if (capture is null) return;
        // Reads until one returns false: lo may carry other tests' packets, but each read waits at most 200 ms.
        var overall = Stopwatch.StartNew();
        var watch = Stopwatch.StartNew();
        bool gotPacket;
        while ((gotPacket = capture.TryReadNext(out _, TimeSpan.FromMilliseconds(200))) && overall.Elapsed < TimeSpan.FromSeconds(20)) watch.Restart();
        if (gotPacket)
        {
            output.WriteLine("skipped: lo never stayed quiet for 200 ms");
            return;
        }
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the read took {watch.Elapsed} to give up after 200 ms");
    }

    [Fact]
    public async Task DisposingEndsTheReadLoop()
    {
        var capture = OpenLoopback();
        if (capture is null) return;
        var reader = Task.Run(() => capture.ReadPackets().Count());
        await Task.Delay(200);
        capture.Dispose();
        Assert.Same(reader, await Task.WhenAny(reader, Task.Delay(TimeSpan.FromSeconds(5))));
    }

    [Fact]
    public void UnknownInterfaceIsReported()
    {
        var error = Assert.Throws<BpfCaptureException>(() => LiveCapture.Open("sbpf-none0"));
        Assert.Contains("no network interface named 'sbpf-none0'", error.Message);
    }

    [Fact]
    public void WithoutCapNetRawTheErrorSaysSo()
    {
        // Capabilities are per thread in Linux: drop CAP_NET_RAW from this one thread's effective set only.
        Exception? outcome = null;
        string? skip = null;
        var thread = new Thread(() =>
        {
            var header = new CapabilityHeader { Version = 0x20080522 };
            var data = new CapabilityData[2];
            if (CapGet(ref header, data) != 0 || CapSet(ref header, DropNetRaw(data)) != 0)
            {
                skip = $"cannot change this thread's capabilities (errno {Marshal.GetLastPInvokeError()})";
                return;
            }
            try
            {
                LiveCapture.Open("lo").Dispose();
            }
            catch (Exception e)
            {
                outcome = e;
            }
        });
        thread.Start();
        thread.Join();
        if (skip is not null)
        {
            output.WriteLine("skipped: " + skip);
            return;
        }
        var error = Assert.IsType<BpfCaptureException>(outcome);
        Assert.Contains("raw sockets need root or CAP_NET_RAW (errno EPERM)", error.Message);
    }

    private static CapabilityData[] DropNetRaw(CapabilityData[] data)
    {
        const int CapNetRaw = 13;
        data[0].Effective &= ~(1u << CapNetRaw);
        return data;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CapabilityHeader
    {
        public uint Version;
        public int ProcessId; // 0: the calling thread
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CapabilityData
    {
        public uint Effective;
        public uint Permitted;
        public uint Inheritable;
    }

    [LibraryImport("libc", EntryPoint = "capget", SetLastError = true)]
    private static partial int CapGet(ref CapabilityHeader header, [In, Out] CapabilityData[] data);

    [LibraryImport("libc", EntryPoint = "capset", SetLastError = true)]
    private static partial int CapSet(ref CapabilityHeader header, CapabilityData[] data);
}

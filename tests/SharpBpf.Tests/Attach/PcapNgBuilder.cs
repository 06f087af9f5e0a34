using System.Buffers.Binary;
using SharpBpf.Attach;

namespace SharpBpf.Tests.Attach;

/// <summary>Builds pcapng files block by block, in either byte order, for cases real tools do not produce.</summary>
internal sealed class PcapNgBuilder
{
    private readonly MemoryStream _output = new();
    private bool _bigEndian;

    public byte[] ToArray() => _output.ToArray();

    public PcapNgBuilder Section(bool bigEndian)
    {
        _bigEndian = bigEndian;
        var body = new List<byte>();
        body.AddRange(U32(0x1A2B3C4D));
        body.AddRange(U16(1));
        body.AddRange(U16(0));
        body.AddRange(U64(ulong.MaxValue));
        body.AddRange(Option(3, "SharpBpf test builder"u8.ToArray()));
        body.AddRange(U32(0)); // opt_endofopt
        return Block(0x0A0D0D0A, body.ToArray());
    }

    public PcapNgBuilder Interface(LinkType linkType, uint snapLength, byte? timestampResolution = null, long? timestampOffset = null, string? name = null)
    {
        var body = new List<byte>();
        body.AddRange(U16((ushort)linkType));
        body.AddRange(U16(0));
        body.AddRange(U32(snapLength));
        if (name is not null) body.AddRange(Option(2, System.Text.Encoding.UTF8.GetBytes(name)));
        if (timestampResolution is byte resolution) body.AddRange(Option(9, [resolution]));
        if (timestampOffset is long offset) body.AddRange(Option(14, U64((ulong)offset)));
        if (name is not null || timestampResolution is not null || timestampOffset is not null) body.AddRange(U32(0));
        return Block(1, body.ToArray());
    }

    public PcapNgBuilder Enhanced(uint interfaceId, ulong timestampUnits, byte[] data, uint? originalLength = null, uint? flags = null, uint? capturedLength = null)
    {
        var body = new List<byte>();
        body.AddRange(U32(interfaceId));
        body.AddRange(U32((uint)(timestampUnits >> 32)));
        body.AddRange(U32((uint)timestampUnits));
        body.AddRange(U32(capturedLength ?? (uint)data.Length));
        body.AddRange(U32(originalLength ?? (uint)data.Length));
        body.AddRange(Padded(data));
        if (flags is uint value)
        {
            body.AddRange(Option(2, U32(value)));
            body.AddRange(U32(0));
        }
        return Block(6, body.ToArray());
    }

    public PcapNgBuilder Obsolete(ushort interfaceId, ulong timestampUnits, byte[] data)
    {
        var body = new List<byte>();
        body.AddRange(U16(interfaceId));
        body.AddRange(U16(0));
        body.AddRange(U32((uint)(timestampUnits >> 32)));
        body.AddRange(U32((uint)timestampUnits));
        body.AddRange(U32((uint)data.Length));
        body.AddRange(U32((uint)data.Length));
        body.AddRange(Padded(data));
        return Block(2, body.ToArray());
    }

    public PcapNgBuilder Simple(byte[] data, uint? originalLength = null)
    {
        var body = new List<byte>();
        body.AddRange(U32(originalLength ?? (uint)data.Length));
        body.AddRange(Padded(data));
        return Block(3, body.ToArray());
    }

    public PcapNgBuilder Block(uint type, byte[] body)
    {
        uint total = (uint)(body.Length + 12);
        _output.Write(U32(type));
        _output.Write(U32(total));
        _output.Write(body);
        _output.Write(U32(total));
        return this;
    }

    private byte[] Option(ushort code, byte[] value) => [.. U16(code), .. U16((ushort)value.Length), .. Padded(value)];

    private static byte[] Padded(byte[] data) => [.. data, .. new byte[(4 - data.Length % 4) % 4]];

    private byte[] U16(ushort value)
    {
        byte[] bytes = new byte[2];
        if (_bigEndian) BinaryPrimitives.WriteUInt16BigEndian(bytes, value); else BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
        return bytes;
    }

    private byte[] U32(uint value)
    {
        byte[] bytes = new byte[4];
        if (_bigEndian) BinaryPrimitives.WriteUInt32BigEndian(bytes, value); else BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return bytes;
    }

    private byte[] U64(ulong value)
    {
        byte[] bytes = new byte[8];
        if (_bigEndian) BinaryPrimitives.WriteUInt64BigEndian(bytes, value); else BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return bytes;
    }
}

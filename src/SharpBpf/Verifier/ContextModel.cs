using SharpBpf.ProgramTypes;

namespace SharpBpf.Verifier;

internal enum CtxKind : byte { Scalar, PacketData, PacketEnd, PacketMeta, Socket, SocketOrNull, SockCommonOrNull, Other }

internal sealed record CtxField(string Name, int Offset, int Size, bool Read, bool Write, CtxKind Kind, bool NarrowReads, bool Buffer, bool PrivilegedOnly);

/// <summary>What the verifier needs to know about a program type: context layout, helpers, return range, packet rules.</summary>
internal sealed class ContextModel
{
    public required string Name { get; init; }
    public required int Size { get; init; }
    public required IReadOnlyList<CtxField> Fields { get; init; }
    public required Func<int, bool> HelperAllowed { get; init; }
    public required long ReturnMin { get; init; }
    public required long ReturnMax { get; init; }
    public required bool LegacyPacketLoads { get; init; }
    public required bool DirectPacketAccess { get; init; }
    public required bool PacketWrites { get; init; }

    public bool ChecksReturnValue => ReturnMin != long.MinValue || ReturnMax != long.MaxValue;

    public required ProgramTypeInfo Info { get; init; }

    /// <summary>The field an access of <paramref name="size"/> bytes at <paramref name="offset"/> may touch, or null.</summary>
    public CtxField? FieldFor(int offset, int size, bool write)
    {
        var field = Info.FieldFor(offset, size, write ? ContextAccess.Write : ContextAccess.Read);
        return field is null ? null : Fields.First(f => f.Offset == field.Offset && f.Name == field.Name);
    }

    public static ContextModel For(BpfProgramType type)
    {
        ProgramTypeInfo info;
        try { info = ProgramTypeInfo.For(type); }
        catch (ArgumentException e) { throw new VerifyFailure(-1, VerifierErrorKind.UnsupportedInstruction, e.Message); }
        return new ContextModel
        {
            Info = info,
            Name = info.Name,
            Size = info.ContextSize,
            Fields = info.Fields.Select(f => new CtxField(f.Name, f.Offset, f.Size, (f.Access & ContextAccess.Read) != 0,
                (f.Access & ContextAccess.Write) != 0, f.Kind switch
                {
                    ContextFieldKind.Scalar => CtxKind.Scalar,
                    ContextFieldKind.PacketData => CtxKind.PacketData,
                    ContextFieldKind.PacketEnd => CtxKind.PacketEnd,
                    ContextFieldKind.PacketMeta => CtxKind.PacketMeta,
                    ContextFieldKind.SocketPointer => CtxKind.Socket,
                    ContextFieldKind.SocketPointerOrNull => CtxKind.SocketOrNull,
                    ContextFieldKind.SockCommonPointerOrNull => CtxKind.SockCommonOrNull,
                    _ => CtxKind.Other,
                }, f.AllowNarrowReads, f.IsBuffer, f.PrivilegedOnly)).ToArray(),
            HelperAllowed = info.IsHelperAllowed,
            ReturnMin = info.ReturnRange.Min,
            ReturnMax = info.ReturnRange.Max,
            LegacyPacketLoads = info.AllowsLegacyPacketLoads,
            DirectPacketAccess = info.AllowsDirectPacketAccess,
            PacketWrites = info.AllowsPacketWrites,
        };
    }
}

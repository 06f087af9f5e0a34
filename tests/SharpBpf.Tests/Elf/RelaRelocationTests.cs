using System.Buffers.Binary;
using SharpBpf.Elf;

namespace SharpBpf.Tests.Elf;

/// <summary>
/// clang emits REL for BPF; other producers may emit RELA. Each fixture's REL code relocations are rewritten as an
/// equivalent RELA section (explicit addend = the implicit one, the patched immediates cleared) appended to the
/// file; the loaded programs must be identical.
/// </summary>
public class RelaRelocationTests
{
    [Theory]
    [InlineData("bpf_to_bpf")]
    [InlineData("globals")]
    [InlineData("loops")]
    [InlineData("hash_counter")]
    [InlineData("legacy_maps")]
    public void RelaGivesTheSameProgramsAsRel(string fixture)
    {
        var original = Fixtures.Bytes(fixture);
        var rel = BpfObject.Load(original);
        var rela = BpfObject.Load(ConvertCodeRelocationsToRela(original));
        Assert.Equal(rel.Programs.Select(p => p.Name), rela.Programs.Select(p => p.Name));
        foreach (var (expected, actual) in rel.Programs.Zip(rela.Programs))
            for (int i = 0; i < expected.Bytecode.Length; i++)
                Assert.True(expected.Bytecode.Instructions[i] == actual.Bytecode.Instructions[i],
                    $"{expected.Name} instruction {i}: REL gives {expected.Bytecode.Instructions[i]}, RELA gives {actual.Bytecode.Instructions[i]}");
        Assert.Equal(rel.Relocations.Select(r => (r.ProgramName, r.InstructionIndex, r.Kind, r.MapIndex, r.Target)),
            rela.Relocations.Select(r => (r.ProgramName, r.InstructionIndex, r.Kind, r.MapIndex, r.Target)));
    }

    private static byte[] ConvertCodeRelocationsToRela(byte[] elf)
    {
        var output = new List<byte>(elf);
        var bytes = (byte[])elf.Clone();
        int table = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(40));
        int count = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(60));
        for (int i = 0; i < count; i++)
        {
            int header = table + 64 * i;
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(header + 4)) != 9) continue;
            int targetHeader = table + 64 * (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(header + 44));
            if ((BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(targetHeader + 8)) & 4) == 0) continue; // only code sections
            int code = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(targetHeader + 24));
            int offset = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(header + 24));
            int size = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(header + 32));
            var entries = new List<byte>();
            for (int at = offset; at < offset + size; at += 16)
            {
                ulong place = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at));
                ulong info = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at + 8));
                int instruction = code + (int)place;
                int immediate = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(instruction + 4));
                // A call's implicit addend is its PC-relative immediate; an lddw's is the byte offset in its immediate.
                long addend = bytes[instruction] == 0x85 ? ((long)immediate + 1) * 8 : immediate;
                BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(instruction + 4), bytes[instruction] == 0x85 ? -1 : 0);
                var entry = new byte[24];
                BinaryPrimitives.WriteUInt64LittleEndian(entry, place);
                BinaryPrimitives.WriteUInt64LittleEndian(entry.AsSpan(8), info);
                BinaryPrimitives.WriteInt64LittleEndian(entry.AsSpan(16), addend);
                entries.AddRange(entry);
            }
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(header + 4), 4);
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(header + 32), (ulong)entries.Count);
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(header + 56), 24);
            while (output.Count % 8 != 0) output.Add(0);
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(header + 24), (ulong)output.Count);
            output.AddRange(entries);
        }
        var result = output.ToArray();
        bytes.CopyTo(result, 0);
        return result;
    }
}

using System.Text;
using SharpBpf.Helpers;
using SharpBpf.Memory;
using SharpBpf.Runtime;

namespace SharpBpf.Tests.Helpers;

/// <summary>A run context over native test memory with the standard helpers registered.</summary>
internal sealed class HelperTestBed : IDisposable
{
    public NativeBlock Memory { get; } = new(4096);
    public NativeBlock ReadOnly { get; } = new(256);
    public StringWriter Trace { get; } = new();
    public HelperEnvironment Environment { get; }
    public HelperTable Table { get; } = new();
    public RunContext Context { get; }

    public HelperTestBed()
    {
        Environment = new HelperEnvironment { TraceOutput = Trace, CurrentComm = "testcomm", CurrentPidTgid = () => (42UL << 32) | 43 };
        StandardHelpers.Register(Table, Environment);
        Context = new RunContext(Table);
        Context.AddRegion(new MemoryRegion(Memory.Address, (ulong)Memory.Length, MemoryAccess.ReadWrite, "memory"));
        Context.AddRegion(new MemoryRegion(ReadOnly.Address, (ulong)ReadOnly.Length, MemoryAccess.Read, "rodata"));
    }

    public ulong Call(int id, ulong r1 = 0, ulong r2 = 0, ulong r3 = 0, ulong r4 = 0, ulong r5 = 0) =>
        Table.Get(id)!.Function(Context, r1, r2, r3, r4, r5);

    public ulong At(int offset) => Memory.Address + (ulong)offset;

    public Span<byte> Bytes(int offset, int length) => Memory.Slice(offset, length);

    public ulong PutString(int offset, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text + "\0");
        bytes.CopyTo(Memory.Slice(offset, bytes.Length));
        return At(offset);
    }

    public ulong PutReadOnlyString(int offset, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text + "\0");
        bytes.CopyTo(ReadOnly.Slice(offset, bytes.Length));
        return ReadOnly.Address + (ulong)offset;
    }

    public void PutU64s(int offset, params ulong[] values)
    {
        for (int i = 0; i < values.Length; i++) BitConverter.TryWriteBytes(Memory.Slice(offset + 8 * i, 8), values[i]);
    }

    public string StringAt(int offset)
    {
        var span = Memory.Slice(offset, Memory.Length - offset);
        return Encoding.ASCII.GetString(span[..span.IndexOf((byte)0)]);
    }

    public static long Signed(ulong r0) => (long)r0;

    public void Dispose()
    {
        Memory.Dispose();
        ReadOnly.Dispose();
    }
}

using System.Runtime.InteropServices;
using SharpBpf.Maps;

namespace SharpBpf.Tests.Maps;

internal static class MapTestSupport
{
    public static BpfMap Create(MapType type, uint key, uint value, uint max, uint flags = 0, string name = "m", ulong extra = 0, MapDefinition? inner = null, int spinLock = -1) =>
        BpfMap.Create(new MapDefinition { Name = name, Type = type, KeySize = key, ValueSize = value, MaxEntries = max, Flags = flags, MapExtra = extra, InnerMap = inner, SpinLockOffset = spinLock });

    public static byte[] U32(uint v) => BitConverter.GetBytes(v);
    public static byte[] U64(ulong v) => BitConverter.GetBytes(v);

    /// <summary>Reads/writes memory at a native address the way a program would (test-only).</summary>
    public static unsafe ref long Int64At(ulong address) => ref *(long*)address;

    public static unsafe Span<byte> At(ulong address, int length) => new((void*)address, length);

    public static T Read<T>(byte[] bytes) where T : unmanaged => MemoryMarshal.Read<T>(bytes);
}

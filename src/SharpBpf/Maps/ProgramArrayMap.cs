using SharpBpf.Runtime;

namespace SharpBpf.Maps;

/// <summary>
/// <c>BPF_MAP_TYPE_PROG_ARRAY</c>: slots holding programs for <c>bpf_tail_call</c>. The host fills slots with
/// <see cref="Set"/> (there are no program fds); programs cannot look values up.
/// </summary>
public sealed class ProgramArrayMap : BpfMap
{
    private readonly BpfExecutable?[] _programs;

    internal ProgramArrayMap(MapDefinition definition) : base(definition)
    {
        if (KeySize != 4 || ValueSize != 4) throw Invalid($"prog_array key and value sizes must be 4, got {KeySize} and {ValueSize}");
        if (MaxEntries <= 0) throw Invalid("max_entries must be positive");
        _programs = new BpfExecutable?[MaxEntries];
    }

    /// <summary>Puts <paramref name="program"/> (or nothing) in slot <paramref name="index"/>.</summary>
    /// <exception cref="BpfMapException">The index is out of range (-E2BIG).</exception>
    public void Set(uint index, BpfExecutable? program)
    {
        if (index >= (uint)MaxEntries) throw new BpfMapException(Name, $"index {index} is out of range (max_entries {MaxEntries})", -Errno.E2BIG);
        Volatile.Write(ref _programs[index], program);
    }

    /// <summary>The program in slot <paramref name="index"/>, or null (also for an index out of range).</summary>
    public BpfExecutable? Get(uint index) => index < (uint)MaxEntries ? Volatile.Read(ref _programs[index]) : null;

    /// <inheritdoc/>
    public override int Delete(ReadOnlySpan<byte> key)
    {
        CheckKey(key);
        uint index = BitConverter.ToUInt32(key);
        if (index >= (uint)MaxEntries) return -Errno.E2BIG;
        return Interlocked.Exchange(ref _programs[index], null) is null ? -Errno.ENOENT : 0;
    }

    /// <inheritdoc/>
    public override int GetNextKey(ReadOnlySpan<byte> key, Span<byte> nextKey)
    {
        uint index = key.Length == 4 ? BitConverter.ToUInt32(key) : uint.MaxValue;
        uint next = index >= (uint)MaxEntries ? 0 : index + 1;
        if (next >= (uint)MaxEntries) return -Errno.ENOENT;
        BitConverter.TryWriteBytes(nextKey, next);
        return 0;
    }
}

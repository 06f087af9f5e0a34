using SharpBpf.Isa;
using SharpBpf.Maps;

namespace SharpBpf.Loader;

/// <summary>A map reference that cannot be bound (unknown map, nonzero second immediate, offset outside the value, map without direct value access).</summary>
internal sealed class MapReferenceException(int instructionIndex, string problem, int errno) : BpfException($"instruction {instructionIndex}: {problem}")
{
    /// <summary>The <c>lddw</c>'s slot.</summary>
    public int InstructionIndex { get; } = instructionIndex;

    /// <summary>The errno <c>BPF_PROG_LOAD</c> would return (negative).</summary>
    public int Errno { get; } = errno;
}

/// <summary>Engine-facing code with every map reference bound, and what each bound <c>lddw</c> stood for.</summary>
internal sealed record ResolvedMapReferences(Bytecode Code, IReadOnlyDictionary<int, MapReference> References);

/// <summary>
/// The one place pseudo <c>lddw</c> map references are bound to live maps, as the kernel's
/// <c>resolve_pseudo_ldimm64</c>: object files name maps by index (<see cref="LoadImm64Source.MapIndex"/>,
/// <see cref="LoadImm64Source.MapIndexValue"/>, for <see cref="LoadedObject"/>), <c>bpf()</c> callers by fd
/// (<see cref="LoadImm64Source.MapFd"/>, <see cref="LoadImm64Source.MapValue"/>, for the syscall layer). A map
/// reference becomes a plain <c>lddw</c> of the map's <see cref="BpfMap.Handle"/>; a value reference the address of
/// byte <c>offset</c> (the second slot's immediate) of a single-entry array's value, as <c>map_direct_value_addr</c>.
/// </summary>
internal static class MapReferenceResolver
{
    /// <summary>
    /// Binds the <c>lddw</c>s whose source is <paramref name="mapSource"/> (handle) or <paramref name="valueSource"/>
    /// (value address), finding each map with <paramref name="lookup"/>(the first immediate); other <c>lddw</c>s stay.
    /// </summary>
    /// <exception cref="MapReferenceException">The lookup found no map (-EBADF) or a reference is malformed (-EINVAL).</exception>
    public static ResolvedMapReferences Resolve(Bytecode code, LoadImm64Source mapSource, LoadImm64Source valueSource, Func<int, BpfMap?> lookup)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(lookup);
        Instruction[]? slots = null;
        var references = new Dictionary<int, MapReference>();
        for (int i = 0; i < code.Length; i++)
        {
            var form = code.FormAt(i);
            if (form?.Operation != Operation.LoadImm64) continue;
            var source = (LoadImm64Source)form.DiscriminatorValue;
            if (source != mapSource && source != valueSource) continue;
            var first = code.Instructions[i];
            int second = code.Instructions[i + 1].Immediate;
            var map = lookup(first.Immediate)
                ?? throw new MapReferenceException(i, $"lddw refers to map {first.Immediate} ({source}), which does not exist", -Errno.EBADF);
            ulong value;
            if (source == mapSource)
            {
                if (second != 0) throw new MapReferenceException(i, $"a reference to map '{map.Name}' must have 0 in its second immediate, not {second}", -Errno.EINVAL);
                value = map.Handle;
            }
            else
            {
                if (map is not ArrayMap array || array.MaxEntries != 1 || array.IsPerCpu)
                    throw new MapReferenceException(i, $"lddw of a value address of map '{map.Name}', a {map.Type} map with {map.MaxEntries} entries (only single-entry arrays have direct value access)", -Errno.EINVAL);
                if (second < 0 || second >= array.ValueSize)
                    throw new MapReferenceException(i, $"offset {second} is outside the {array.ValueSize}-byte value of map '{map.Name}'", -Errno.EINVAL);
                value = array.ValueAddress(0) + (ulong)second;
            }
            slots ??= code.Instructions.ToArray();
            slots[i] = first.WithSrc((int)LoadImm64Source.Immediate).WithImmediate((int)(uint)value);
            slots[i + 1] = slots[i + 1].WithImmediate((int)(uint)(value >> 32));
            references[i] = new MapReference(i, first.Immediate, map, source == mapSource ? MapReferenceKind.Map : MapReferenceKind.MapValue, source == mapSource ? 0 : second, value);
        }
        return new ResolvedMapReferences(slots is null ? code : Bytecode.FromInstructions(slots), references);
    }
}

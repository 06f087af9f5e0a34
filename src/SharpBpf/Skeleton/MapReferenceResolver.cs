using SharpBpf.Isa;
using SharpBpf.Maps;

namespace SharpBpf.Skeleton;

/// <summary>A map reference the resolver could not bind (unknown fd or index, offset outside the value, map without direct value access).</summary>
public sealed class MapReferenceException : BpfException
{
    /// <summary>Creates the exception for the <c>lddw</c> at <paramref name="instructionIndex"/>.</summary>
    public MapReferenceException(int instructionIndex, string problem, int errno)
        : base($"instruction {instructionIndex}: {problem}")
    {
        InstructionIndex = instructionIndex;
        Errno = errno;
    }

    /// <summary>The <c>lddw</c>'s index.</summary>
    public int InstructionIndex { get; }

    /// <summary>The errno <c>BPF_PROG_LOAD</c> would return (negative).</summary>
    public int Errno { get; }
}

/// <summary>
/// Binds the pseudo <c>lddw</c> forms to live maps, producing plain <c>lddw</c> (src 0) the engines run: a map
/// reference (<c>BPF_PSEUDO_MAP_FD</c> 1 from user space, <c>MapIndex</c> 5 from <see cref="Elf.BpfObject"/>) loads the
/// map's <see cref="BpfMap.Handle"/>; a value reference (<c>BPF_PSEUDO_MAP_VALUE</c> 2, <c>MapIndexValue</c> 6) loads
/// the address of byte <c>offset</c> (the second slot's immediate) of an array map's first value, as the kernel's
/// <c>map_direct_value_addr</c>.
/// </summary>
public static class MapReferenceResolver
{
    /// <summary><c>BPF_PSEUDO_MAP_FD</c>.</summary>
    public const int PseudoMapFd = (int)LoadImm64Source.MapFd;
    /// <summary><c>BPF_PSEUDO_MAP_VALUE</c>.</summary>
    public const int PseudoMapValue = (int)LoadImm64Source.MapValue;
    /// <summary>The ELF loader's map index form.</summary>
    public const int PseudoMapIndex = (int)LoadImm64Source.MapIndex;
    /// <summary>The ELF loader's map index + value offset form.</summary>
    public const int PseudoMapIndexValue = (int)LoadImm64Source.MapIndexValue;

    /// <summary>Resolves the object-file forms (5, 6) against <paramref name="maps"/> (created in <c>BpfObject.Maps</c> order).</summary>
    /// <exception cref="MapReferenceException">An index is out of range or a value reference is invalid.</exception>
    public static Bytecode ResolveObjectMaps(Bytecode code, IReadOnlyList<BpfMap> maps)
    {
        ArgumentNullException.ThrowIfNull(maps);
        return Resolve(code, (source, number) => source is PseudoMapIndex or PseudoMapIndexValue && (uint)number < (uint)maps.Count ? maps[number] : null,
            PseudoMapIndex, PseudoMapIndexValue);
    }

    /// <summary>
    /// Resolves <c>lddw</c>s whose source is <paramref name="mapSource"/> (handle) or <paramref name="valueSource"/>
    /// (value address) with <paramref name="lookup"/>(source, first immediate); other <c>lddw</c>s are left alone.
    /// </summary>
    /// <exception cref="MapReferenceException">The lookup found no map (-EBADF) or a value reference is invalid (-EINVAL).</exception>
    public static Bytecode Resolve(Bytecode code, Func<int, int, BpfMap?> lookup, int mapSource, int valueSource)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(lookup);
        Instruction[]? slots = null;
        for (int i = 0; i < code.Length; i++)
        {
            var form = code.FormAt(i);
            if (form is null || !form.IsWide) continue;
            var first = code.Instructions[i];
            if (first.Src != mapSource && first.Src != valueSource) continue;
            var map = lookup(first.Src, first.Immediate)
                ?? throw new MapReferenceException(i, $"lddw refers to map {first.Immediate} (source {first.Src}), which does not exist", -Errno.EBADF);
            ulong value;
            if (first.Src == mapSource)
            {
                if (code.Instructions[i + 1].Immediate != 0)
                    throw new MapReferenceException(i, "a map reference must have 0 in its second immediate", -Errno.EINVAL);
                value = map.Handle;
            }
            else
            {
                uint offset = (uint)code.Instructions[i + 1].Immediate;
                if (map is not ArrayMap array || array.MaxEntries != 1 || array.IsPerCpu)
                    throw new MapReferenceException(i, $"map '{map.Name}' has no directly addressable value (needs a single-entry array)", -Errno.EINVAL);
                if (offset >= (uint)array.ValueSize)
                    throw new MapReferenceException(i, $"offset {offset} is outside the {array.ValueSize}-byte value of map '{map.Name}'", -Errno.EINVAL);
                value = array.ValueAddress(0) + offset;
            }
            slots ??= code.Instructions.ToArray();
            slots[i] = new Instruction(first.Opcode, first.Dst, 0, first.Offset, (int)(uint)value);
            slots[i + 1] = new Instruction(code.Instructions[i + 1].Opcode, 0, 0, 0, (int)(uint)(value >> 32));
        }
        return slots is null ? code : Bytecode.FromInstructions(slots);
    }
}

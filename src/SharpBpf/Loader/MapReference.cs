using SharpBpf.Maps;

namespace SharpBpf.Loader;

/// <summary>What a resolved <c>lddw</c> stood for before the loader replaced it with a plain 64-bit constant.</summary>
public enum MapReferenceKind
{
    /// <summary><c>lddw rX, map</c> (source <see cref="Isa.LoadImm64Source.MapIndex"/>): the map's <see cref="BpfMap.Handle"/>.</summary>
    Map,
    /// <summary><c>lddw rX, map_value + offset</c> (source <see cref="Isa.LoadImm64Source.MapIndexValue"/>): the address of the value plus the offset.</summary>
    MapValue,
}

/// <summary>A map reference of a loaded program, kept for the verifier and for tools.</summary>
/// <param name="InstructionIndex">Slot of the <c>lddw</c>.</param>
/// <param name="MapIndex">The map the <c>lddw</c> named: an index into <see cref="Elf.BpfObject.Maps"/> and <see cref="LoadedObject.Maps"/> for objects.</param>
/// <param name="Map">The created map.</param>
/// <param name="Kind">Handle or value address.</param>
/// <param name="Offset">Offset into the value for <see cref="MapReferenceKind.MapValue"/>, else 0.</param>
/// <param name="Value">The 64-bit value the engine-facing <c>lddw</c> now loads.</param>
public sealed record MapReference(int InstructionIndex, int MapIndex, BpfMap Map, MapReferenceKind Kind, int Offset, ulong Value);

using SharpBpf.Btf;
using SharpBpf.Elf;

namespace SharpBpf.Loader;

/// <summary>One slot of a map-in-map or program array that the object initialises (<c>.values = { &amp;inner, ... }</c>).</summary>
/// <param name="MapIndex">The outer map or program array.</param>
/// <param name="Slot">The slot index (the key).</param>
/// <param name="TargetName">The inner map's or program's symbol name.</param>
/// <param name="TargetIsProgram">True for a program-array slot.</param>
internal sealed record MapSlotInitializer(int MapIndex, uint Slot, string TargetName, bool TargetIsProgram);

/// <summary>Reads the <c>.values</c> initializers of BTF-defined maps: relocations against the <c>.maps</c> section, as libbpf does.</summary>
internal static class MapInitializers
{
    private const int PointerSize = 8;

    /// <summary>The initialised slots of <paramref name="obj"/>; none when it was not parsed from a file (nothing to read them from).</summary>
    public static IReadOnlyList<MapSlotInitializer> Read(BpfObject obj)
    {
        if (obj.SourceFile is not { } elf) return [];
        if (elf.FindSection(".maps") is not { } section || obj.Btf is not { } btf) return [];
        if (!elf.RelocationsByTarget.TryGetValue(section.Index, out var tables)) return [];
        var containers = elf.Symbols.Where(s => s.SectionIndex == section.Index && s.Name.Length > 0 && s.Type != ElfSymbol.TypeSection).ToList();
        var dataSection = btf.FindByName(".maps", BtfKind.DataSection);
        var result = new List<MapSlotInitializer>();
        foreach (var (table, entries) in tables)
            foreach (var entry in entries)
            {
                var container = containers.FirstOrDefault(s => entry.Offset >= s.Value && entry.Offset < s.Value + Math.Max(s.Size, 1))
                    ?? throw new BpfLoadException($"{table.Name}: relocation at offset 0x{entry.Offset:x} of .maps is inside no map definition");
                int mapIndex = obj.FindMap(container.Name);
                if (mapIndex < 0) throw new BpfLoadException($"{table.Name}: relocation at offset 0x{entry.Offset:x} is inside '{container.Name}', which is not a map");
                ulong valuesOffset = ValuesMemberOffset(btf, dataSection, container.Name)
                    ?? throw new BpfLoadException($"map '{container.Name}': initialised slots but its definition has no 'values' member");
                ulong relative = entry.Offset - container.Value;
                if (relative < valuesOffset || (relative - valuesOffset) % PointerSize != 0)
                    throw new BpfLoadException($"map '{container.Name}': relocation at offset {relative} of its definition is not a 'values' slot");
                uint slot = (uint)((relative - valuesOffset) / PointerSize);
                if (entry.SymbolIndex < 0 || entry.SymbolIndex >= elf.Symbols.Count)
                    throw new BpfLoadException($"map '{container.Name}': slot {slot} refers to symbol {entry.SymbolIndex}, which does not exist");
                var target = elf.Symbols[entry.SymbolIndex];
                bool isProgram = target.IsDefinedInSection && elf.Sections[target.SectionIndex].IsExecutable;
                result.Add(new MapSlotInitializer(mapIndex, slot, target.Name, isProgram));
            }
        return result;
    }

    private static ulong? ValuesMemberOffset(BtfData btf, BtfType? dataSection, string mapName)
    {
        if (dataSection is null) return null;
        foreach (var variable in dataSection.Variables)
        {
            var type = btf.GetType(variable.TypeId);
            if (type.Kind != BtfKind.Var || type.Name != mapName) continue;
            var definition = btf.ResolveModifiers(type.SizeOrType);
            var values = definition.Members.FirstOrDefault(m => m.Name == "values");
            return values is null ? null : values.BitOffset / 8;
        }
        return null;
    }
}

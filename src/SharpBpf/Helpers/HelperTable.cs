using SharpBpf.Runtime;

namespace SharpBpf.Helpers;

/// <summary>
/// A helper function as programs call it: five 64-bit arguments in r1-r5, result in r0. The run context gives it
/// bounds-checked access to program memory and lets it stop the program.
/// </summary>
public delegate ulong HelperFunction(RunContext context, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5);

/// <summary>A helper registered under a numeric id (Linux helper ids for the built-ins).</summary>
/// <param name="Id">The id programs pass in <c>call imm</c>.</param>
/// <param name="Name">The helper's name, e.g. <c>map_lookup_elem</c>.</param>
/// <param name="Function">The implementation.</param>
public sealed record HelperDefinition(int Id, string Name, HelperFunction Function)
{
    /// <summary>Argument and return kinds, for the verifier; null for helpers registered without one.</summary>
    public HelperPrototype? Prototype { get; init; }
}

/// <summary>The helpers available to a program, keyed by id.</summary>
public sealed class HelperTable
{
    private HelperDefinition?[] _byId = new HelperDefinition?[64];

    /// <summary>Registers (or replaces) a helper.</summary>
    public HelperTable Register(HelperDefinition helper)
    {
        ArgumentNullException.ThrowIfNull(helper);
        if (helper.Id < 0) throw new ArgumentOutOfRangeException(nameof(helper), "helper ids are non-negative");
        if (helper.Id >= _byId.Length) Array.Resize(ref _byId, Math.Max(helper.Id + 1, _byId.Length * 2));
        _byId[helper.Id] = helper;
        return this;
    }

    /// <summary>Registers a helper from its parts.</summary>
    public HelperTable Register(int id, string name, HelperFunction function) => Register(new HelperDefinition(id, name, function));

    /// <summary>Registers a helper with its prototype.</summary>
    public HelperTable Register(int id, string name, HelperPrototype prototype, HelperFunction function) =>
        Register(new HelperDefinition(id, name, function) { Prototype = prototype });

    /// <summary>The helper with this id, or null.</summary>
    public HelperDefinition? Get(long id) => (ulong)id < (ulong)_byId.Length ? _byId[id] : null;

    /// <summary>All registered helpers, by id.</summary>
    public IEnumerable<HelperDefinition> All => _byId.Where(h => h is not null)!;
}

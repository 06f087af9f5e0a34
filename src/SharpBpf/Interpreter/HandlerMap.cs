using SharpBpf.Isa;

namespace SharpBpf.Interpreter;

/// <summary>
/// Chooses the interpreter handler for every form of the opcode table, from the form's Operation, Source, Width,
/// AccessSize, Fetch and discriminator. Built once; indexed by <see cref="InstructionForm.Id"/>.
/// </summary>
internal static class HandlerMap
{
    private static readonly Handler[] s_byFormId = OpcodeTable.Forms.Select(Choose).ToArray();

    /// <summary>The handler for <paramref name="form"/>.</summary>
    public static Handler For(InstructionForm form) => s_byFormId[form.Id];

    private static Handler Choose(InstructionForm form)
    {
        var op = form.Operation;
        string name = op switch
        {
            Operation.Neg => $"Neg{form.Width}",
            Operation.MovSx => $"MovSx{form.Width}From{form.DiscriminatorValue}",
            Operation.ToLe or Operation.ToBe or Operation.Bswap => $"{op}{form.Width}",
            >= Operation.Add and <= Operation.Arsh => $"{op}{form.Width}{SourceSuffix(form)}",
            Operation.Ja => "Ja",
            >= Operation.Jeq and <= Operation.Jsle => $"{op}{form.Width}{SourceSuffix(form)}",
            Operation.CallHelper or Operation.CallLocal or Operation.CallBtf or Operation.CallRegister or Operation.Exit => op.ToString(),
            Operation.LoadImm64 => form.DiscriminatorValue == (int)LoadImm64Source.Immediate ? "LoadImm64" : "LoadImm64Pseudo",
            Operation.LoadPacketAbs or Operation.LoadPacketInd or Operation.Load or Operation.LoadSx
                or Operation.StoreImm or Operation.StoreReg => $"{op}{form.AccessSize}",
            Operation.AtomicXchg or Operation.AtomicCmpXchg => $"{op}{form.Width}",
            _ when form.IsAtomic => $"{op}{(form.Fetch ? "Fetch" : "")}{form.Width}",
            _ => throw new InvalidOperationException($"the interpreter has no handler for {form}"),
        };
        return Enum.TryParse<Handler>(name, out var handler)
            ? handler
            : throw new InvalidOperationException($"the interpreter has no handler '{name}' for {form}");
    }

    private static string SourceSuffix(InstructionForm form) => form.Source == OperandSource.Immediate ? "Imm" : "Reg";
}

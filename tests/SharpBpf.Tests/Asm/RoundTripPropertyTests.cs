using SharpBpf.Asm;
using SharpBpf.Isa;

namespace SharpBpf.Tests.Asm;

/// <summary>
/// For every form of the opcode table: random valid operands, encoded into a small program (jumps get in-range
/// targets), disassembled and assembled again must give the same bytes, in both syntaxes.
/// </summary>
public class RoundTripPropertyTests
{
    private const int CasesPerForm = 300;

    public static TheoryData<int> FormIds()
    {
        var data = new TheoryData<int>();
        foreach (var form in OpcodeTable.Forms) data.Add(form.Id);
        return data;
    }

    [Theory]
    [MemberData(nameof(FormIds))]
    public void Encode_disassemble_assemble_is_the_identity(int formId)
    {
        var form = OpcodeTable.Forms[formId];
        var random = new Random(9669 + formId);
        for (int n = 0; n < CasesPerForm; n++)
        {
            // A few programs are long enough for displacements near the 16-bit limits.
            int length = form.Displacement != BranchDisplacement.None && n == CasesPerForm - 1 ? 33_000 : random.Next(2, 12);
            var code = RandomProgram(form, random, length);
            foreach (var syntax in new[] { AsmSyntax.Conformance, AsmSyntax.Llvm })
            {
                foreach (bool labels in new[] { false, true })
                {
                    // Only a label spells a local call in LLVM syntax; objdump's "call 0x5" is a helper call.
                    if (syntax == AsmSyntax.Llvm && !labels && form.Operation == Operation.CallLocal) continue;
                    // The long programs take one variant per syntax, to keep the test quick.
                    if (length > 1000 && labels == (syntax == AsmSyntax.Conformance)) continue;
                    string listing = Disassembler.Disassemble(code, syntax, new DisassemblyOptions { Labels = labels, ShowOffsets = n % 2 == 0 });
                    var again = Assembler.Assemble(listing, syntax);
                    if (!again.Instructions.SequenceEqual(code.Instructions))
                        Assert.Fail($"{form} via {syntax} (labels={labels}) changed the program:\n{Head(listing)}");
                }
            }
            // The single-instruction formatter agrees with the listing.
            int at = code.Instructions.IndexOf(code.Instructions.First(i => form.Matches(i)));
            string line = Disassembler.Format(code, at, AsmSyntax.Conformance);
            Assert.Contains(line, Disassembler.Disassemble(code, AsmSyntax.Conformance, new DisassemblyOptions { ShowOffsets = false }));
        }
    }

    private static string Head(string listing) => string.Join('\n', listing.Split('\n').Take(20));

    /// <summary>Exits around one random instance of <paramref name="form"/>; the form never writes r10 and its target is a real instruction.</summary>
    private static Bytecode RandomProgram(InstructionForm form, Random random, int length)
    {
        var slots = new List<Instruction>();
        var exit = OpcodeTable.Forms.Single(f => f.Operation == Operation.Exit).Encode();
        for (int i = 0; i < length; i++) slots.Add(exit);
        int position = random.Next(length);

        var reserved = form.Reserved;
        int dst = (reserved & ReservedFields.Dst) != 0 ? 0 : random.Next((form.Registers & RegisterUse.WritesDst) != 0 ? 10 : 11);
        int src = (reserved & ReservedFields.Src) != 0 ? 0 : random.Next((form.Registers & RegisterUse.WritesSrc) != 0 ? 10 : 11);
        short offset = (reserved & ReservedFields.Offset) != 0 ? (short)0 : RandomShort(random);
        int immediate = (reserved & ReservedFields.Immediate) != 0 ? 0 : RandomInt(random);

        if (form.Displacement != BranchDisplacement.None)
        {
            int target = random.Next(length + 1);
            if (target == length) target = random.Next(2) == 0 ? 0 : length - 1;
            int displacement = target - (position + 1);
            if (form.Displacement == BranchDisplacement.Offset)
            {
                if (displacement is < short.MinValue or > short.MaxValue) displacement = 0;
                offset = (short)displacement;
            }
            else
            {
                immediate = displacement;
            }
        }

        slots[position] = form.Encode(dst, src, offset, immediate);
        if (form.IsWide) slots.Insert(position + 1, new Instruction(0, 0, 0, 0, RandomInt(random)));
        return Bytecode.FromInstructions(slots);
    }

    private static short RandomShort(Random random) => random.Next(4) switch
    {
        0 => (short)random.Next(-16, 17),
        1 => random.Next(2) == 0 ? short.MinValue : short.MaxValue,
        _ => (short)random.Next(short.MinValue, short.MaxValue + 1),
    };

    private static int RandomInt(Random random) => random.Next(5) switch
    {
        0 => random.Next(-300, 300),
        1 => random.Next(2) == 0 ? int.MinValue : int.MaxValue,
        2 => -1,
        _ => random.Next(int.MinValue, int.MaxValue) ^ (random.Next(2) << 31),
    };
}

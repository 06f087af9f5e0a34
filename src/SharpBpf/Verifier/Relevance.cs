using SharpBpf.Helpers;
using SharpBpf.Isa;

namespace SharpBpf.Verifier;

/// <summary>
/// Which registers hold a value that can still matter, per instruction: a static backward data-flow over each
/// function's control-flow graph (the counterpart of the kernel's precision tracking, computed once and for every path).
/// </summary>
/// <remarks>
/// A register is relevant at an instruction when, on some path from there and before it is overwritten, its value can
/// reach an instruction whose verification or run-time behaviour depends on the value: a memory access (address and,
/// conservatively, the stored value), pointer arithmetic (every register-source add or subtract, since either operand
/// may turn out to be a pointer), a conditional branch (both operands: they decide which paths exist), a helper,
/// kfunc or subprogram call (every argument it reads), a legacy packet load, and r0 at every exit (return-value checks,
/// callback results and values returned to the caller). Values flow backwards through moves and scalar ALU results.
/// <para>
/// A live register that is not relevant may differ freely between two states as long as both are scalars: no check on
/// any path from the state reads its value, no branch tests it, and nothing stores it, so a stored state's verdict
/// carries over. Pointers are never relaxed, stack slots are compared in full, and infinite-loop detection keeps using
/// exact comparison. Because the sets are fixed before exploration (unlike the kernel's marks, which grow as paths are
/// explored), a completed state at a loop head can never be matched under a weaker notion than the one that will hold
/// when its loop is fully explored.
/// </para>
/// </remarks>
internal static class Relevance
{
    /// <summary>Bit n set at index i: rn is relevant on entry to instruction i (a subset of <see cref="ControlFlow.LiveIn"/>).</summary>
    public static ushort[] Compute(Bytecode code, ControlFlow cfg, HelperTable helpers)
    {
        var relevant = new ushort[code.Length];
        for (int f = 0; f < cfg.FunctionStarts.Length; f++)
        {
            int start = cfg.FunctionStarts[f], end = cfg.FunctionEnd(f);
            // Without back edges every successor comes later, so one backward pass reaches the fixpoint.
            bool changed = true;
            while (changed)
            {
                changed = false;
                for (int i = end - 1; i >= start; i--)
                {
                    var form = code.FormAt(i);
                    if (form is null) continue;
                    // Successors as ControlFlow.Successors has them, without a list per instruction and pass.
                    int outRelevant = form.Flow switch
                    {
                        FlowControl.Exit => 0,
                        FlowControl.Jump => relevant[code.TargetOf(i)],
                        FlowControl.ConditionalBranch => relevant[i + 1] | relevant[code.TargetOf(i)],
                        _ => relevant[i + (form.IsWide ? 2 : 1)],
                    };
                    var (use, def) = cfg.UseDef(i, form, helpers);
                    ushort value = (ushort)(Transfer(form, code.Instructions[i], use, def, outRelevant) & 0x7ff);
                    if (value != relevant[i]) { relevant[i] = value; changed = true; }
                }
                if (!cfg.HasBackEdge) break;
            }
        }
        return relevant;
    }

    private static int Transfer(InstructionForm form, Instruction insn, int use, int def, int outRelevant)
    {
        if (form.Class is not (InstructionClass.Alu or InstructionClass.Alu64))
            return (outRelevant & ~def) | use; // memory, branches, calls, exits, legacy packet loads: every operand counts
        bool pointerArithmetic = form.Source == OperandSource.Register && form.Operation is (Operation.Add or Operation.Sub);
        if (pointerArithmetic) return outRelevant | use;
        // Moves and scalar ALU: the operands matter only as far as the result does.
        bool resultRelevant = (outRelevant & (1 << insn.Dst)) != 0;
        return (outRelevant & ~def) | (resultRelevant ? use : 0);
    }
}

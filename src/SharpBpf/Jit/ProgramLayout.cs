using SharpBpf.Isa;

namespace SharpBpf.Jit;

/// <summary>A contiguous instruction range compiled as one method.</summary>
internal sealed record CodeRegion(int Index, int Function, int Start, int End)
{
    /// <summary>Instructions entered from outside the region (its start, and targets of jumps from other regions).</summary>
    public SortedSet<int> Entries { get; } = [];
}

/// <summary>A program-local function: from its entry to the next function's entry.</summary>
internal sealed record CodeFunction(int Index, int Start, int End)
{
    /// <summary>Its regions when it is split; empty when it is compiled as one method.</summary>
    public List<CodeRegion> Regions { get; } = [];

    public bool IsSplit => Regions.Count > 0;
}

/// <summary>
/// How a program is cut into methods: functions at local-call targets (as the kernel's <c>bpf_jit_subprogs</c>),
/// and regions inside functions longer than <see cref="JitOptions.MaxRegionInstructions"/>. Also rejects what the
/// JIT cannot compile, with the reason.
/// </summary>
internal sealed class ProgramLayout
{
    public List<CodeFunction> Functions { get; } = [];
    public int[] FunctionOfPc { get; }
    public int[] RegionOfPc { get; }
    public List<CodeRegion> Regions { get; } = [];
    public bool HasLocalCalls { get; }
    /// <summary>
    /// No instruction writes r10, so in every frame r10 is the frame's top (the stack holds all 8 frames): an
    /// access at r10 + offset with offset in [-512, -size] is inside the stack without a check.
    /// </summary>
    public bool FramePointerReadOnly { get; } = true;

    /// <summary>
    /// r10 is only ever the base of loads and stores with constant offsets (never copied, compared, stored or passed
    /// on), there are no local calls and no callbacks: no pointer into the stack exists besides r10 + constant, so
    /// helpers and other regions never see the stack and the run need not register it as a region.
    /// </summary>
    public bool StackIsPrivate { get; }

    /// <summary>
    /// How many bytes below the frame top the program can reach (what a run must zero): the deepest in-frame
    /// r10-relative access when <see cref="StackIsPrivate"/>, else the whole stack (-1).
    /// </summary>
    public int FrameBytesTouched { get; } = -1;
    /// <summary>Function entries whose address the program takes (<c>lddw rX, func</c>): the valid callback targets.</summary>
    public SortedSet<int> CallbackEntries { get; } = [];

    public ProgramLayout(Bytecode code, int maxRegionInstructions)
    {
        int length = code.Length;
        var entries = new SortedSet<int> { 0 };
        for (int pc = 0; pc < length; pc++)
        {
            var form = code.FormAt(pc);
            if (form is null) continue;
            var insn = code.Instructions[pc];
            if (((form.Registers & RegisterUse.WritesDst) != 0 && insn.Dst == Reg.R10) || ((form.Registers & RegisterUse.WritesSrc) != 0 && insn.Src == Reg.R10))
                FramePointerReadOnly = false;
            switch (form.Operation)
            {
                case Operation.CallLocal:
                    entries.Add(code.TargetOf(pc));
                    HasLocalCalls = true;
                    break;
                case Operation.CallBtf:
                    throw new JitCompileException(pc, "calls by BTF id (kfuncs) are not supported by the JIT");
                case Operation.LoadImm64 when code.Instructions[pc].Src == (int)LoadImm64Source.CodeAddress:
                {
                    long target = (long)pc + 1 + code.Instructions[pc].Immediate;
                    if (target < 0 || target >= length || code.FormAt((int)target) is null)
                        throw new JitCompileException(pc, $"lddw func target {target} is not an instruction of the program");
                    entries.Add((int)target);
                    CallbackEntries.Add((int)target);
                    break;
                }
                case Operation.LoadImm64 when code.Instructions[pc].Src != (int)LoadImm64Source.Immediate:
                    throw new JitCompileException(pc, $"lddw with pseudo source {(LoadImm64Source)code.Instructions[pc].Src} must be resolved by the loader before compilation");
            }
        }

        bool stackEscapes = HasLocalCalls || CallbackEntries.Count > 0;
        int deepest = 0;
        for (int pc = 0; pc < length && !stackEscapes; pc++)
        {
            var form = code.FormAt(pc);
            if (form is null) continue;
            var insn = code.Instructions[pc];
            bool baseIsSrc = form.Operation is Operation.Load or Operation.LoadSx;
            bool baseIsDst = form.Operation is Operation.StoreImm or Operation.StoreReg || form.IsAtomic;
            if ((form.Registers & RegisterUse.ReadsSrc) != 0 && insn.Src == Reg.R10 && !baseIsSrc) stackEscapes = true;
            if ((form.Registers & RegisterUse.ReadsDst) != 0 && insn.Dst == Reg.R10 && !baseIsDst) stackEscapes = true;
            if ((baseIsSrc && insn.Src == Reg.R10) || (baseIsDst && insn.Dst == Reg.R10))
                if (insn.Offset < 0 && insn.Offset >= -Reg.StackFrameSize) deepest = Math.Max(deepest, -insn.Offset);
        }
        if (!stackEscapes && FramePointerReadOnly)
        {
            StackIsPrivate = true;
            FrameBytesTouched = deepest;
        }

        var starts = entries.ToArray();
        FunctionOfPc = new int[length];
        for (int f = 0; f < starts.Length; f++)
        {
            int end = f + 1 < starts.Length ? starts[f + 1] : length;
            Functions.Add(new CodeFunction(f, starts[f], end));
            Array.Fill(FunctionOfPc, f, starts[f], end - starts[f]);
        }

        foreach (var function in Functions)
        {
            for (int pc = function.Start; pc < function.End; pc++)
            {
                var form = code.FormAt(pc);
                if (form is null || form.Flow is not (FlowControl.Jump or FlowControl.ConditionalBranch)) continue;
                int target = code.TargetOf(pc);
                if (target < function.Start || target >= function.End)
                    throw new JitCompileException(pc, $"jump to {target} leaves its function ({function.Start}..{function.End - 1})");
            }
            if (function.End < length && FallsThrough(code, function.End))
                throw new JitCompileException(LastInstruction(code, function.End),
                    $"function at {function.Start} can fall through into the function at {function.End}");
        }

        RegionOfPc = new int[length];
        foreach (var function in Functions)
        {
            if (function.End - function.Start <= maxRegionInstructions) continue;
            int start = function.Start;
            while (start < function.End)
            {
                int end = Math.Min(start + maxRegionInstructions, function.End);
                if (end < function.End && code.FormAt(end) is null) end++; // never split a lddw
                var region = new CodeRegion(Regions.Count, function.Index, start, end);
                region.Entries.Add(start);
                Regions.Add(region);
                function.Regions.Add(region);
                Array.Fill(RegionOfPc, region.Index, start, end - start);
                start = end;
            }
            foreach (var region in function.Regions)
            {
                for (int pc = region.Start; pc < region.End; pc++)
                {
                    var form = code.FormAt(pc);
                    if (form is null || form.Flow is not (FlowControl.Jump or FlowControl.ConditionalBranch)) continue;
                    int target = code.TargetOf(pc);
                    if (target < region.Start || target >= region.End) Regions[RegionOfPc[target]].Entries.Add(target);
                }
            }
        }
    }

    private static int LastInstruction(Bytecode code, int end) => code.FormAt(end - 1) is null ? end - 2 : end - 1;

    private static bool FallsThrough(Bytecode code, int end)
    {
        var form = code.FormAt(LastInstruction(code, end))!;
        return form.Flow is not (FlowControl.Exit or FlowControl.Jump);
    }
}

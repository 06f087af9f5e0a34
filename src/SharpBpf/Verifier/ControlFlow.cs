using SharpBpf.Helpers;
using SharpBpf.Isa;

namespace SharpBpf.Verifier;

/// <summary>A failure found before or during abstract interpretation.</summary>
internal sealed class VerifyFailure(int pc, VerifierErrorKind kind, string reason) : Exception(reason)
{
    public int Pc { get; } = pc;
    public VerifierErrorKind Kind { get; } = kind;
    public string Reason { get; } = reason;
}

/// <summary>Function boundaries, CFG checks, call graph checks, register liveness and prune points.</summary>
internal sealed class ControlFlow
{
    public const int MaxCallFrames = 8;

    private readonly Bytecode _code;
    public int[] FunctionStarts { get; }
    /// <summary>Function index of each instruction slot.</summary>
    public int[] FunctionOf { get; }
    /// <summary>Registers (bit n = rn) that may be read before being written, at each instruction.</summary>
    public ushort[] LiveIn { get; }
    public bool[] PrunePoint { get; }
    /// <summary>Callees of each function (local calls and callbacks).</summary>
    public List<int>[] Callees { get; }
    public bool HasBackEdge { get; private set; }
    public (int From, int To) FirstBackEdge { get; private set; }

    public ControlFlow(Bytecode code, HelperTable helpers)
    {
        _code = code;
        int n = code.Length;
        var starts = new SortedSet<int> { 0 };
        for (int i = 0; i < n; i++)
        {
            var form = code.FormAt(i);
            if (form is null) continue;
            if (form.Operation == Operation.CallLocal) starts.Add(code.TargetOf(i));
            else if (form.Operation == Operation.LoadImm64 && form.DiscriminatorValue == (int)LoadImm64Source.CodeAddress)
            {
                long target = (long)i + 1 + code.Instructions[i].Immediate;
                if (target < 0 || target >= n || code.FormAt((int)target) is null)
                    throw new VerifyFailure(i, VerifierErrorKind.JumpOutOfRange, $"function address {target} is not an instruction of the program");
                starts.Add((int)target);
            }
        }
        FunctionStarts = [.. starts];
        FunctionOf = new int[n];
        for (int f = 0; f < FunctionStarts.Length; f++)
        {
            int end = f + 1 < FunctionStarts.Length ? FunctionStarts[f + 1] : n;
            for (int i = FunctionStarts[f]; i < end; i++) FunctionOf[i] = f;
        }
        PrunePoint = new bool[n];
        LiveIn = new ushort[n];
        Callees = new List<int>[FunctionStarts.Length];
        for (int f = 0; f < Callees.Length; f++) Callees[f] = [];

        for (int f = 0; f < FunctionStarts.Length; f++) CheckFunction(f, helpers);
        CheckCallGraph();
    }

    public int FunctionEnd(int f) => f + 1 < FunctionStarts.Length ? FunctionStarts[f + 1] : _code.Length;

    private int Width(int i) => _code.FormAt(i)!.IsWide ? 2 : 1;

    private List<int> Successors(int i)
    {
        var form = _code.FormAt(i)!;
        var list = new List<int>(2);
        switch (form.Flow)
        {
            case FlowControl.Exit: break;
            case FlowControl.Jump: list.Add(_code.TargetOf(i)); break;
            case FlowControl.ConditionalBranch: list.Add(i + 1); list.Add(_code.TargetOf(i)); break;
            default: list.Add(i + Width(i)); break;
        }
        return list;
    }

    private void CheckFunction(int f, HelperTable helpers)
    {
        int start = FunctionStarts[f], end = FunctionEnd(f);
        PrunePoint[start] = true;
        for (int i = start; i < end; i++)
        {
            var form = _code.FormAt(i);
            if (form is null) continue;
            if (form.Flow is FlowControl.Jump or FlowControl.ConditionalBranch)
            {
                int target = _code.TargetOf(i);
                if (target < start || target >= end)
                    throw new VerifyFailure(i, VerifierErrorKind.JumpOutOfRange,
                        target < 0 || target >= _code.Length ? $"jump target {target} is outside the program"
                        : $"jump from instruction {i} to {target} leaves the function starting at {start}");
                if (_code.FormAt(target) is null)
                    throw new VerifyFailure(i, VerifierErrorKind.JumpOutOfRange, $"jump target {target} is the second half of a lddw");
                PrunePoint[target] = true;
                if (form.Flow == FlowControl.ConditionalBranch && i + 1 < end) PrunePoint[i + 1] = true;
            }
            if (form.Flow is not (FlowControl.Exit or FlowControl.Jump) && i + Width(i) >= end)
                throw new VerifyFailure(i, VerifierErrorKind.FallOffEnd,
                    end == _code.Length ? "execution can fall off the end of the program: the last instruction must be exit or a jump"
                    : $"execution can fall through from the function at {start} into the function at {end}");
            if (form.Flow == FlowControl.Call)
            {
                if (i + Width(i) < end) PrunePoint[i + Width(i)] = true;
                if (form.Operation == Operation.CallLocal) Callees[f].Add(FunctionOf[_code.TargetOf(i)]);
            }
            if (form.Operation == Operation.LoadImm64 && form.DiscriminatorValue == (int)LoadImm64Source.CodeAddress)
                Callees[f].Add(FunctionOf[i + 1 + _code.Instructions[i].Immediate]);
        }

        // Reachability and back edges (iterative DFS with colours).
        var color = new byte[end - start];
        var stack = new Stack<(int Pc, int Next)>();
        stack.Push((start, 0));
        color[0] = 1;
        while (stack.Count > 0)
        {
            var (pc, next) = stack.Pop();
            var succ = Successors(pc);
            if (next < succ.Count)
            {
                stack.Push((pc, next + 1));
                int s = succ[next];
                if (color[s - start] == 0) { color[s - start] = 1; stack.Push((s, 0)); }
                else if (color[s - start] == 1 && !HasBackEdge) { HasBackEdge = true; FirstBackEdge = (pc, s); }
            }
            else color[pc - start] = 2;
        }
        for (int i = start; i < end; i++)
            if (_code.FormAt(i) is not null && color[i - start] == 0)
                throw new VerifyFailure(i, VerifierErrorKind.UnreachableInstruction, $"instruction {i} is unreachable");

        // Register liveness (backward dataflow to a fixpoint).
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int i = end - 1; i >= start; i--)
            {
                var form = _code.FormAt(i);
                if (form is null) continue;
                int outLive = 0;
                foreach (int s in Successors(i)) outLive |= LiveIn[s];
                var (use, def) = UseDef(i, form, helpers);
                ushort live = (ushort)(use | (outLive & ~def));
                if (live != LiveIn[i]) { LiveIn[i] = live; changed = true; }
            }
        }
    }

    internal (int Use, int Def) UseDef(int i, InstructionForm form, HelperTable helpers)
    {
        var insn = _code.Instructions[i];
        const int Args = 0b111110, CallerSaved = 0b111111;
        switch (form.Operation)
        {
            case Operation.CallHelper:
            {
                int count = helpers.Get(insn.Immediate)?.Prototype?.ArgumentCount ?? 5;
                return ((1 << (count + 1)) - 2, CallerSaved);
            }
            case Operation.CallLocal: return (Args, CallerSaved);
            case Operation.CallBtf: case Operation.CallRegister: return (Args | (1 << insn.Dst), CallerSaved);
            case Operation.Exit: return (1, 0);
            case Operation.LoadPacketAbs: return (1 << 6, CallerSaved);
            case Operation.LoadPacketInd: return ((1 << 6) | (1 << insn.Src), CallerSaved);
        }
        int use = 0, def = 0;
        var regs = form.Registers;
        bool isAlu = form.Class is InstructionClass.Alu or InstructionClass.Alu64;
        if ((regs & RegisterUse.ReadsDst) != 0 || form.Flow == FlowControl.ConditionalBranch || (isAlu && form.Operation != Operation.Mov && form.Operation != Operation.MovSx))
            use |= 1 << insn.Dst;
        if ((regs & RegisterUse.ReadsSrc) != 0 || form.Source == OperandSource.Register && form.Flow != FlowControl.Call) use |= 1 << insn.Src;
        if (form.Operation == Operation.AtomicCmpXchg) { use |= 1; def |= 1; }
        if ((regs & RegisterUse.WritesDst) != 0 || isAlu) def |= 1 << insn.Dst;
        if ((regs & RegisterUse.WritesSrc) != 0) def |= 1 << insn.Src;
        return (use & 0x7ff, def & 0x7ff);
    }

    private void CheckCallGraph()
    {
        // Depth-first over the call graph from main: cycles are recursion, chains longer than 8 frames too deep.
        var onPath = new bool[FunctionStarts.Length];
        void Visit(int f, int depth, int site)
        {
            if (depth > MaxCallFrames)
                throw new VerifyFailure(site, VerifierErrorKind.CallDepth, $"the call chain reaching the function at {FunctionStarts[f]} is {depth} frames deep (at most {MaxCallFrames})");
            onPath[f] = true;
            foreach (int callee in Callees[f])
            {
                if (onPath[callee])
                    throw new VerifyFailure(FunctionStarts[callee], VerifierErrorKind.Recursion,
                        $"recursive call: the function at {FunctionStarts[callee]} can call itself (from the function at {FunctionStarts[f]})");
                Visit(callee, depth + 1, CallSiteOf(f, callee));
            }
            onPath[f] = false;
        }
        Visit(0, 1, 0);
    }

    private int CallSiteOf(int f, int callee)
    {
        for (int i = FunctionStarts[f]; i < FunctionEnd(f); i++)
        {
            var form = _code.FormAt(i);
            if (form?.Operation == Operation.CallLocal && FunctionOf[_code.TargetOf(i)] == callee) return i;
            if (form?.Operation == Operation.LoadImm64 && form.DiscriminatorValue == (int)LoadImm64Source.CodeAddress
                && FunctionOf[i + 1 + _code.Instructions[i].Immediate] == callee) return i;
        }
        return FunctionStarts[f];
    }

    /// <summary>Checks the combined stack of every call chain (each frame rounded up to 32 bytes, as the kernel does).</summary>
    public void CheckStackDepth(int[] depthOfFunction)
    {
        int Round(int d) => (Math.Max(d, 1) + 31) / 32 * 32;
        int Deepest(int f, out List<int> chain)
        {
            int best = 0;
            chain = [];
            foreach (int callee in Callees[f])
            {
                int d = Deepest(callee, out var sub);
                if (d > best) { best = d; chain = sub; }
            }
            chain.Insert(0, f);
            return best + Round(depthOfFunction[f]);
        }
        int total = Deepest(0, out var worst);
        if (total > 512)
            throw new VerifyFailure(FunctionStarts[worst[^1]], VerifierErrorKind.StackTooLarge,
                $"combined stack size of the call chain {string.Join(" -> ", worst.Select(f => $"func@{FunctionStarts[f]}({depthOfFunction[f]} bytes)"))} is {total} bytes, more than 512");
    }
}

using System.Text;
using SharpBpf.Asm;
using SharpBpf.Isa;
using SharpBpf.Maps;
using SharpBpf.ProgramTypes;

namespace SharpBpf.Verifier;

/// <summary>
/// Depth-first abstract interpretation of every path, with states stored at prune points: a new state subsumed by a
/// fully explored stored state at the same instruction is not explored again.
/// </summary>
internal sealed partial class VerifierEngine
{
    private const int StackLimit = 512;
    private const int MaxVarOffset = 1 << 29;
    private const int MaxPacketOffset = 0xffff;

    private readonly VerifierInput _input;
    private readonly VerifierOptions _options;
    private readonly Bytecode _code;
    private readonly VerifierContext _context;
    private readonly bool _privileged;
    private ContextModel _ctx = null!;
    private ControlFlow _cfg = null!;
    /// <summary>Registers whose value can still matter, per instruction (see <see cref="Relevance"/>).</summary>
    private ushort[] _relevant = [];
    private readonly Dictionary<int, PcStates> _explored = [];
    private readonly Stack<VerifierState> _pending = new();
    private readonly List<int> _trace = [];
    private readonly StringBuilder _log = new();
    private int[] _stackDepth = [];
    private int _processed;
    private int _statesStored;
    private int _nextId;
    private int _jumpsSinceCheckpoint, _insnsSinceCheckpoint;
    private VerifierState _state = null!;

    public VerifierEngine(VerifierInput input, VerifierOptions options)
    {
        _input = input;
        _options = options;
        _code = input.Code;
        _context = new VerifierContext(input.Maps);
        _privileged = options.Privileged;
    }

    public VerificationResult Run()
    {
        try
        {
            _ctx = ContextModel.For(_input.ProgramType);
            if (!_privileged && !_ctx.Info.AllowsUnprivileged)
                throw new VerifyFailure(-1, VerifierErrorKind.ProgramTypeNotAllowed, $"{_ctx.Name} programs can only be loaded in privileged mode");
            _cfg = new ControlFlow(_code, _input.Helpers);
            if (!_privileged && _cfg.HasBackEdge)
                throw new VerifyFailure(_cfg.FirstBackEdge.From, VerifierErrorKind.InfiniteLoop,
                    $"back-edge from instruction {_cfg.FirstBackEdge.From} to {_cfg.FirstBackEdge.To}: loops need privileged mode");
            _stackDepth = new int[_cfg.FunctionStarts.Length];
            _relevant = Relevance.Compute(_code, _cfg, _input.Helpers);
            Explore();
            _cfg.CheckStackDepth(_stackDepth);
        if (_options.LogLevel >= 1) AppendStatistics();
            return new VerificationResult { Accepted = true, Log = _log.ToString(), ProcessedInstructions = _processed, StatesExplored = _statesStored, StackDepth = _stackDepth[0] };
        }
        catch (Exception e) when (e is not VerifyFailure && e is not OutOfMemoryException)
        {
            // A bug in the verifier must never accept a program or crash the host: reject, naming the cause.
            return Reject(new VerifyFailure(_state?.Pc ?? -1, VerifierErrorKind.UnsupportedInstruction, $"internal verifier error ({e.GetType().Name}: {e.Message}); the program is rejected"));
        }
        catch (VerifyFailure failure)
        {
            return Reject(failure);
        }
    }

    private VerificationResult Reject(VerifyFailure failure)
    {
        var error = MakeError(failure);
        if (_options.LogLevel >= 1 && _trace.Count > 0 && _options.LogLevel < 2)
        {
            var path = new StringBuilder();
            foreach (int pc in _trace) path.Append(pc).Append(": ").Append(Disasm(pc)).Append('\n');
            _log.Insert(0, path.ToString());
        }
        if (error.SourceLocation is not null) _log.Append("; ").Append(error.SourceLocation).Append('\n');
        if ((_options.LogLevel == 0 || _trace.Count == 0) && error.InstructionIndex >= 0) _log.Append($"{error.InstructionIndex}: {error.Instruction}\n");
        _log.Append(error.Reason).Append('\n');
        if (_options.LogLevel >= 1) AppendStatistics();
        return new VerificationResult { Accepted = false, Error = error, Log = _log.ToString(), ProcessedInstructions = _processed, StatesExplored = _statesStored };
    }

    private void AppendStatistics() =>
        _log.Append($"processed {_processed} insns (limit {_options.MaxProcessedInstructions}) total_states {_statesStored}\n");

    private VerifierError MakeError(VerifyFailure failure)
    {
        int pc = failure.Pc;
        bool valid = pc >= 0 && pc < _code.Length && _code.FormAt(pc) is not null;
        string? source = valid ? _input.SourceLine?.Invoke(pc) : null;
        return new VerifierError(valid ? pc : -1, valid ? Disasm(pc) : "", failure.Kind, failure.Reason, source);
    }

    private string Disasm(int pc)
    {
        try { return Disassembler.Format(_code, pc, AsmSyntax.Llvm); }
        catch (Exception e) when (e is BpfException or ArgumentException or InvalidOperationException) { return _code.Instructions[pc].ToString(); }
    }

    private VerifyFailure Fail(VerifierErrorKind kind, string reason) => new(_state?.Pc ?? -1, kind, reason);

    private int NewId() => ++_nextId;

    /// <summary>What a pointer that died (released reference, moved packet) becomes: an unknown scalar when privileged
    /// (as the kernel does), unreadable otherwise.</summary>
    private Reg Invalidated() => _privileged ? Reg.Unknown() : Reg.NotInitialized;

    // ---------------------------------------------------------------- exploration

    private void Explore()
    {
        var main = new Frame { Number = 0, Function = 0 };
        main.Regs[1] = Reg.Pointer(RegType.Context);
        if (_input.ProgramType == BpfProgramType.Unspecified)
        {
            // The raw memory type (the uBPF/rbpf convention): r1 is a plain buffer that may be indexed like any memory,
            // r2 its length, unknown here. Runs must give at least the descriptor's size (or keep runtime checks).
            main.Regs[1] = Reg.Pointer(RegType.Memory);
            main.Regs[1].Size = ProgramTypeInfo.For(BpfProgramType.Unspecified).ContextSize;
            main.Regs[2] = Reg.Unknown();
        }
        main.Regs[10] = Reg.Pointer(RegType.Stack);
        main.Regs[10].Frame = 0;
        _pending.Push(new VerifierState { Frames = [main], Pc = 0 });

        while (_pending.Count > 0)
        {
            _state = _pending.Pop();
            if (_trace.Count > _state.TraceLength) _trace.RemoveRange(_state.TraceLength, _trace.Count - _state.TraceLength);
            if (_options.LogLevel >= 2 && _processed > 0) _log.Append($"from branch to {_state.Pc}\n");
            RunPath();
        }
    }

    /// <summary>Runs the current state until its path ends (exit of main, pruned, or infeasible).</summary>
    private void RunPath()
    {
        while (true)
        {
            int pc = _state.Pc;
            if (++_processed > _options.MaxProcessedInstructions)
                throw Fail(VerifierErrorKind.TooComplex,
                    $"the program is too complex: more than {_options.MaxProcessedInstructions} instructions processed (possible infinite loop or too many paths)");
            _insnsSinceCheckpoint++;
            if (_cfg.PrunePoint[pc] && IsStateVisited(pc))
        {
                if (_options.LogLevel >= 2) _log.Append($"{pc}: safe\n");
                EndPath();
                return;
        }
            _trace.Add(pc);
            // Every jump, call and exit counts towards the next stored state, as the kernel's jmps_processed.
            if (_code.FormAt(pc)?.Flow is not (null or FlowControl.Next)) _jumpsSinceCheckpoint++;
            if (_options.LogLevel >= 2) _log.Append($"{pc}: {_state.Format(_context)}\n{pc}: {Disasm(pc)}\n");
            if (!Step(pc))
        {
                EndPath();
                return;
        }
        }
    }

    /// <summary>A path ended: completes checkpoints none of whose paths remain.</summary>
    private void EndPath()
    {
        for (var node = _state.Parent; node is not null; node = node.Parent)
        {
            if (--node.Branches > 0) break;
            // Fully explored: usable for pruning from now on.
            var states = _explored[node.Pc];
            var same = states.InProgress[node.Fingerprint];
            same.Remove(node);
            if (same.Count == 0) states.InProgress.Remove(node.Fingerprint);
            states.InProgressCount--;
            states.Completed.Add(node);
        }
    }

    private void Fork(VerifierState other)
    {
        other.TraceLength = _trace.Count;
        if (_state.Parent is not null) _state.Parent.Branches++;
        other.Parent = _state.Parent;
        _pending.Push(other);
    }

    /// <summary>States stored at one instruction: fully explored ones (for pruning) and ones still being explored
    /// (for infinite-loop detection), the latter indexed by fingerprint.</summary>
    private sealed class PcStates
    {
        public readonly List<Checkpoint> Completed = [];
        public readonly Dictionary<ulong, List<Checkpoint>> InProgress = [];
        public int InProgressCount;
        /// <summary>States ever stored here (including evicted ones).</summary>
        public int Stored;
    }

    /// <summary>True when a stored, fully explored state at <paramref name="pc"/> subsumes the current one.</summary>
    private bool IsStateVisited(int pc)
    {
        if (!_explored.TryGetValue(pc, out var states)) _explored[pc] = states = new PcStates();
        // As the kernel does, a new state is stored only after at least 2 jumps and 8 instructions since the last one
        // (storing every prune point's state costs more in copies and comparisons than the pruning it adds), except
        // that the first state to reach a prune point is always stored.
        bool addNew = states.Stored == 0 || (_jumpsSinceCheckpoint >= 2 && _insnsSinceCheckpoint >= 8);
        ulong fingerprint = addNew || states.InProgressCount > 0 ? Fingerprint(_state) : 0;
        if (states.InProgressCount > 0)
        {
            if (states.InProgress.TryGetValue(fingerprint, out var candidates))
                foreach (var cp in candidates)
                    if (StatesEqual(cp.State, _state, exact: true))
                        throw Fail(VerifierErrorKind.InfiniteLoop, $"infinite loop detected at instruction {pc}: the loop returns to an identical state");
            // Inside a loop, storing every iteration's state rarely helps pruning: store one now and then.
            if (_jumpsSinceCheckpoint < 20 && _insnsSinceCheckpoint < 100) addNew = false;
        }
        var list = states.Completed;
        for (int i = list.Count - 1; i >= 0; i--)
        {
            var cp = list[i];
            if (StatesEqual(cp.State, _state, exact: false))
        {
                cp.Hits++;
                return true;
        }
            cp.Misses++;
            if (cp.Misses > cp.Hits * 3 + 3) list.RemoveAt(i);
        }
        if (!addNew) return false;
        var snapshot = _state.Clone();
        var checkpoint = new Checkpoint { State = snapshot, Parent = _state.Parent, Branches = 1, Fingerprint = fingerprint, Pc = pc };
        snapshot.Parent = null;
        _state.Parent = checkpoint;
        if (!states.InProgress.TryGetValue(fingerprint, out var bucket)) states.InProgress[fingerprint] = bucket = [];
        bucket.Add(checkpoint);
        states.InProgressCount++;
        states.Stored++;
        _statesStored++;
        _jumpsSinceCheckpoint = 0;
        _insnsSinceCheckpoint = 0;
        return false;
    }

    // ---------------------------------------------------------------- state comparison

    /// <summary>A hash of everything exact equality compares except ids: states with different fingerprints differ.</summary>
    private ulong Fingerprint(VerifierState state)
    {
        ulong h = (ulong)state.Frames.Length * 0x9E3779B97F4A7C15UL ^ (ulong)state.LockMap ^ ((ulong)state.References.Count << 20);
        for (int f = 0; f < state.Frames.Length; f++)
        {
            var frame = state.Frames[f];
            ushort live = f == state.Frames.Length - 1 ? _cfg.LiveIn[state.Pc] : (ushort)(_cfg.LiveIn[state.Frames[f + 1].CallSite + 1] & 0x3c0);
            h = Mix(h, (ulong)frame.CallSite);
            for (int r = 0; r < 10; r++)
                if ((live & (1 << r)) != 0) h = Mix(h, RegHash(frame.Regs[r]));
            for (int sl = 0; sl < frame.Stack.Length; sl++)
        {
                if (frame.Stack[sl].Bytes == 0) continue;
                h = Mix(h, frame.Stack[sl].Bytes ^ (ulong)sl);
                if (frame.Stack[sl].IsSpill) h = Mix(h, RegHash(frame.Stack[sl].Spilled));
        }
        }
        return h;

        static ulong RegHash(in Reg r) =>
            Mix(Mix(Mix((ulong)r.Type | (ulong)r.Flags << 8 | (ulong)(uint)r.Off << 16, r.Var.Value ^ r.Var.Mask * 31),
                r.UMin ^ r.UMax * 17 ^ (ulong)r.SMin * 7 ^ (ulong)r.SMax * 13), (ulong)r.Map ^ (ulong)r.Size << 24 ^ (ulong)r.Range << 40 ^ (ulong)r.Frame << 56);
        static ulong Mix(ulong h, ulong v) => (h ^ v) * 0xff51afd7ed558ccdUL ^ ((h ^ v) >> 29);
    }

    /// <summary>A bijection between ids of the stored and the current state, built up during one comparison.</summary>
    private sealed class IdMap
    {
        private int[] _old = new int[16];
        private int[] _cur = new int[16];
        private int _count;

        private int _temporary;

        public void Reset() { _count = 0; _temporary = int.MinValue / 2; }

        /// <summary>Scalar links: an unlinked current scalar gets a fresh id of its own.</summary>
        public bool CheckScalar(int oldId, int curId) => oldId == 0 || Check(oldId, curId != 0 ? curId : --_temporary);

        public bool Check(int oldId, int curId)
        {
            if (oldId == 0 && curId == 0) return true;
            if (oldId == 0 || curId == 0) return false;
            for (int i = 0; i < _count; i++)
        {
                if (_old[i] == oldId) return _cur[i] == curId;
                if (_cur[i] == curId) return false;
        }
            if (_count == _old.Length) { Array.Resize(ref _old, _count * 2); Array.Resize(ref _cur, _count * 2); }
            _old[_count] = oldId;
            _cur[_count++] = curId;
            return true;
        }
    }

    private readonly IdMap _ids = new();

    private bool StatesEqual(VerifierState old, VerifierState cur, bool exact)
    {
        if (old.Frames.Length != cur.Frames.Length || old.LockMap != cur.LockMap || old.References.Count != cur.References.Count) return false;
        var ids = _ids;
        ids.Reset();
        if (old.LockMap != 0 && !ids.Check(old.LockId, cur.LockId)) return false;
        for (int f = 0; f < old.Frames.Length; f++)
        {
            var of = old.Frames[f];
            var cf = cur.Frames[f];
            if (of.CallSite != cf.CallSite || of.Function != cf.Function || of.CallbackHelper != cf.CallbackHelper) return false;
            // Whether a callback is invoked again depends on the caller state it was entered with: only states of the
            // same invocation can stand for each other.
            if (!ReferenceEquals(of.CallbackEntry, cf.CallbackEntry)) return false;
            ushort live = f == old.Frames.Length - 1 ? _cfg.LiveIn[cur.Pc] : (ushort)(_cfg.LiveIn[old.Frames[f + 1].CallSite + 1] & 0x3c0);
            if (f < old.Frames.Length - 1 && old.Frames[f + 1].CallbackHelper >= 0)
                live = (ushort)(_cfg.LiveIn[old.Frames[f + 1].CallSite + 1] & 0x3c0);
            // Caller frames resume after their call, with only r6-r9 kept.
            ushort relevant = exact ? live
                : f == old.Frames.Length - 1 ? _relevant[cur.Pc] : (ushort)(_relevant[old.Frames[f + 1].CallSite + 1] & 0x3c0);
            for (int r = 0; r < 10; r++)
        {
                if ((live & (1 << r)) == 0) continue;
                if ((relevant & (1 << r)) == 0 ? !ShapeSafe(of.Regs[r], cf.Regs[r], ids) : !RegSafe(of.Regs[r], cf.Regs[r], ids, exact)) return false;
        }
            if (!StackSafe(of, cf, ids, exact)) return false;
        }
        for (int i = 0; i < old.References.Count; i++)
            if (!ids.Check(old.References[i].Id, cur.References[i].Id)) return false;
        return true;
    }

    /// <summary>A live register whose value is irrelevant (see <see cref="Relevance"/>): any scalar stands for any
    /// scalar, so neither its bounds nor its scalar links are compared; anything else is compared in full.</summary>
    private static bool ShapeSafe(in Reg old, in Reg cur, IdMap ids)
    {
        if (old.Type == RegType.Scalar && cur.Type == RegType.Scalar) return true;
        return RegSafe(old, cur, ids, exact: false);
    }

    private static bool RegSafe(in Reg old, in Reg cur, IdMap ids, bool exact)
    {
        if (exact)
        {
            if (old.Type != cur.Type || old.Flags != cur.Flags) return false;
        }
        else if (old.Type == RegType.NotInit) return true;
        if (old.Type != cur.Type || old.Flags != cur.Flags) return false;
        switch (old.Type)
        {
            case RegType.NotInit: return true;
            case RegType.Scalar: return (exact ? old.ScalarEquals(cur) : cur.ScalarWithin(old)) && (exact ? ids.Check(old.Id, cur.Id) : ids.CheckScalar(old.Id, cur.Id));
        }
        if (old.Off != cur.Off || old.Map != cur.Map || old.Size != cur.Size || old.Frame != cur.Frame) return false;
        if (!(exact ? old.ScalarEquals(cur) : cur.ScalarWithin(old))) return false;
        if (old.Type is RegType.Packet or RegType.PacketMeta)
        {
            if (exact ? old.Range != cur.Range : old.Range > cur.Range) return false;
            if (!ids.Check(-(old.Id + 1), -(cur.Id + 1))) return false;
        }
        else if (old.Id != 0 || cur.Id != 0)
        {
            if (!ids.Check(old.Id, cur.Id)) return false;
        }
        if ((old.RefId != 0 || cur.RefId != 0) && !ids.Check(old.RefId, cur.RefId)) return false;
        return true;
    }

    private static bool StackSafe(Frame old, Frame cur, IdMap ids, bool exact)
    {
        int n = Math.Max(old.Stack.Length, cur.Stack.Length);
        for (int s = 0; s < n; s++)
        {
            var os = s < old.Stack.Length ? old.Stack[s] : default;
            var cs = s < cur.Stack.Length ? cur.Stack[s] : default;
            if (exact)
        {
                if (os.Bytes != cs.Bytes) return false;
                if (os.IsSpill && !RegSafe(os.Spilled, cs.Spilled, ids, true)) return false;
                continue;
        }
            if (os.Bytes == 0) continue;
            if (os.IsSpill)
        {
                if (!cs.IsSpill) return false;
                if (!RegSafe(os.Spilled, cs.Spilled, ids, false)) return false;
                continue;
        }
            bool curPointerSpill = cs.IsSpill && cs.Spilled.Type != RegType.Scalar;
            for (int b = 0; b < 8; b++)
        {
                var ob = os[b];
                var cb = cs[b];
                switch (ob)
                {
                    case SlotByte.Invalid: continue;
                    case SlotByte.Misc:
                        if (cb == SlotByte.Invalid || curPointerSpill) return false;
                        break;
                    case SlotByte.Zero:
                        if (cb == SlotByte.Zero) break;
                        if (cb == SlotByte.Spill && cs.Spilled.Type == RegType.Scalar && cs.Spilled.IsConst && cs.Spilled.ConstValue == 0) break;
                        return false;
                }
        }
        }
        return true;
    }
}

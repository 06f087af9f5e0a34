using System.Text;
using SharpBpf.Asm;
using SharpBpf.Isa;
using SharpBpf.Maps;

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
    private readonly Dictionary<int, List<Checkpoint>> _explored = [];
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
            _cfg = new ControlFlow(_code, _input.Helpers);
            if (!_privileged && _cfg.HasBackEdge)
                throw new VerifyFailure(_cfg.FirstBackEdge.From, VerifierErrorKind.InfiniteLoop,
                    $"back-edge from instruction {_cfg.FirstBackEdge.From} to {_cfg.FirstBackEdge.To}: loops need privileged mode");
            _stackDepth = new int[_cfg.FunctionStarts.Length];
            Explore();
            _cfg.CheckStackDepth(_stackDepth);
            if (_options.LogLevel >= 1) AppendStatistics();
            return new VerificationResult { Accepted = true, Log = _log.ToString(), ProcessedInstructions = _processed, StatesExplored = _statesStored };
        }
        catch (VerifyFailure failure)
        {
            var error = MakeError(failure);
            if (_options.LogLevel >= 1 && _trace.Count > 0 && _options.LogLevel < 2)
            {
                var path = new StringBuilder();
                foreach (int pc in _trace) path.Append(pc).Append(": ").Append(Disasm(pc)).Append('\n');
                _log.Insert(0, path.ToString());
            }
            if (error.SourceLocation is not null) _log.Append("; ").Append(error.SourceLocation).Append('\n');
            _log.Append(error.InstructionIndex >= 0 ? $"{error.InstructionIndex}: {error.Instruction}\n" : "").Append(error.Reason).Append('\n');
            if (_options.LogLevel >= 1) AppendStatistics();
            return new VerificationResult { Accepted = false, Error = error, Log = _log.ToString(), ProcessedInstructions = _processed, StatesExplored = _statesStored };
        }
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

    // ---------------------------------------------------------------- exploration

    private void Explore()
    {
        var main = new Frame { Number = 0, Function = 0 };
        main.Regs[1] = Reg.Pointer(RegType.Context);
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
            if (--node.Branches > 0) break;
    }

    private void Fork(VerifierState other)
    {
        other.TraceLength = _trace.Count;
        if (_state.Parent is not null) _state.Parent.Branches++;
        other.Parent = _state.Parent;
        _pending.Push(other);
        _jumpsSinceCheckpoint++;
    }

    /// <summary>True when a stored, fully explored state at <paramref name="pc"/> subsumes the current one.</summary>
    private bool IsStateVisited(int pc)
    {
        if (!_explored.TryGetValue(pc, out var list)) _explored[pc] = list = [];
        bool addNew = true;
        for (int i = list.Count - 1; i >= 0; i--)
        {
            var cp = list[i];
            if (cp.Branches > 0)
            {
                if (StatesEqual(cp.State, _state, exact: true))
                    throw Fail(VerifierErrorKind.InfiniteLoop, $"infinite loop detected at instruction {pc}: the loop returns to an identical state");
                if (_jumpsSinceCheckpoint < 20 && _insnsSinceCheckpoint < 100) addNew = false;
                continue;
            }
            if (StatesEqual(cp.State, _state, exact: false))
            {
                cp.Hits++;
                return true;
            }
            cp.Misses++;
            if (cp.Misses > cp.Hits * 3 + 3 && list.Count > 8) list.RemoveAt(i);
        }
        if (!addNew) return false;
        var snapshot = _state.Clone();
        var checkpoint = new Checkpoint { State = snapshot, Parent = _state.Parent, Branches = 1 };
        snapshot.Parent = null;
        _state.Parent = checkpoint;
        list.Add(checkpoint);
        _statesStored++;
        _jumpsSinceCheckpoint = 0;
        _insnsSinceCheckpoint = 0;
        return false;
    }

    // ---------------------------------------------------------------- state comparison

    private sealed class IdMap
    {
        private readonly Dictionary<int, int> _forward = [];
        private readonly Dictionary<int, int> _backward = [];

        public bool Check(int oldId, int curId)
        {
            if (oldId == 0 && curId == 0) return true;
            if (oldId == 0 || curId == 0) return false;
            if (_forward.TryGetValue(oldId, out int mapped)) return mapped == curId;
            if (_backward.ContainsKey(curId)) return false;
            _forward[oldId] = curId;
            _backward[curId] = oldId;
            return true;
        }
    }

    private bool StatesEqual(VerifierState old, VerifierState cur, bool exact)
    {
        if (old.Frames.Length != cur.Frames.Length || old.LockMap != cur.LockMap || old.References.Count != cur.References.Count) return false;
        var ids = new IdMap();
        if (old.LockMap != 0 && !ids.Check(old.LockId, cur.LockId)) return false;
        for (int f = 0; f < old.Frames.Length; f++)
        {
            var of = old.Frames[f];
            var cf = cur.Frames[f];
            if (of.CallSite != cf.CallSite || of.Function != cf.Function) return false;
            ushort live = f == old.Frames.Length - 1 ? _cfg.LiveIn[cur.Pc] : (ushort)(_cfg.LiveIn[old.Frames[f + 1].CallSite + 1] & 0x3c0);
            if (f < old.Frames.Length - 1 && old.Frames[f + 1].CallbackHelper >= 0)
                live = (ushort)(_cfg.LiveIn[old.Frames[f + 1].CallSite + 1] & 0x3c0);
            for (int r = 0; r < 10; r++)
            {
                if ((live & (1 << r)) == 0) continue;
                if (!RegSafe(of.Regs[r], cf.Regs[r], ids, exact)) return false;
            }
            if (!StackSafe(of, cf, ids, exact)) return false;
        }
        for (int i = 0; i < old.References.Count; i++)
            if (!ids.Check(old.References[i].Id, cur.References[i].Id)) return false;
        return true;
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
            case RegType.Scalar: return exact ? old.ScalarEquals(cur) : cur.ScalarWithin(old);
        }
        if (old.Off != cur.Off || old.Map != cur.Map || old.Size != cur.Size || old.Frame != cur.Frame) return false;
        if (!(exact ? old.ScalarEquals(cur) : cur.ScalarWithin(old))) return false;
        if (old.Type is RegType.Packet or RegType.PacketMeta)
        {
            if (exact ? old.Range != cur.Range : old.Range > cur.Range) return false;
            if (!ids.Check(old.Id + 1, cur.Id + 1)) return false;
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

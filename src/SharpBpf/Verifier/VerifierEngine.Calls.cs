using SharpBpf.Helpers;
using SharpBpf.Maps;

namespace SharpBpf.Verifier;

internal sealed partial class VerifierEngine
{
    private const int MaxLoopIterations = 1 << 23;

    private bool HelperCall(int pc, int id)
    {
        var helper = _input.Helpers.Get(id)
            ?? throw Fail(VerifierErrorKind.UnknownHelper, $"unknown helper {id}: no helper with this id is registered");
        var proto = helper.Prototype
            ?? throw Fail(VerifierErrorKind.UnknownHelper, $"helper {id} ({helper.Name}) has no prototype, so its arguments cannot be checked");
        if (!_ctx.HelperAllowed(id))
            throw Fail(VerifierErrorKind.HelperNotAllowed, $"helper {helper.Name} ({id}) is not allowed in {_ctx.Name} programs");
        if (!_privileged && ProgramTypes.ProgramTypeInfo.PrivilegedHelpers.Contains(id))
            throw Fail(VerifierErrorKind.HelperNotAllowed, $"helper {helper.Name} ({id}) needs privileged mode");
        if (_state.LockMap != 0 && id != HelperIds.SpinUnlock)
            throw Fail(VerifierErrorKind.SpinLock, $"calling {helper.Name} while holding a bpf_spin_lock is not allowed; only bpf_spin_unlock may be called");

        int mapIndex = -1;
        MapDefinition? map = null;
        int memRegNo = 0;
        Reg memReg = default;
        bool memInit = false;
        int releaseRef = 0;
        int callbackTarget = -1;
        Reg callbackContext = default;
        long allocSize = -1;
        long constantKey = -1;
        Reg lockReg = default;
        string name = helper.Name;

        for (int i = 0; i < 5; i++)
        {
            var kind = proto.Arguments[i];
            if (kind == HelperArgument.None) continue;
            int r = i + 1;
            var reg = Regs[r];
            if (reg.Type == RegType.NotInit)
                throw Fail(VerifierErrorKind.UninitializedRegister, $"{name} argument r{r} is not initialized");
            if (reg.MaybeNull && kind is not HelperArgument.Anything)
                throw Fail(VerifierErrorKind.NullCheckRequired, $"{name} argument r{r} is a {reg.TypeName}: check it against NULL first");
            switch (kind)
            {
                case HelperArgument.Anything:
                    if (reg.IsPointer && !_privileged)
                        throw Fail(VerifierErrorKind.PointerLeak, $"{name} argument r{r} is a pointer ({reg.TypeName}): passing it as a number leaks its address (unprivileged)");
                    break;
                case HelperArgument.ConstMapPointer:
                    if (reg.Type != RegType.MapPointer)
                        throw Fail(VerifierErrorKind.HelperArgument, $"{name} argument r{r} must be a map (lddw of a map), but it is {reg.TypeName}");
                    mapIndex = reg.Map;
                    map = _context.MapAt(mapIndex);
                    CheckMapCompatible(id, name, map);
                    break;
                case HelperArgument.MapKey:
                case HelperArgument.MapValue:
                case HelperArgument.UninitMapValue:
                {
                    if (map is null) throw Fail(VerifierErrorKind.HelperArgument, $"{name} argument r{r} needs a map argument before it");
                    bool isKey = kind == HelperArgument.MapKey;
                    int size = (int)(isKey ? map.KeySize : map.ValueSize);
                    HelperMemory(name, r, reg, size, mustBeInitialized: kind != HelperArgument.UninitMapValue,
                        helperWrites: kind == HelperArgument.UninitMapValue, what: isKey ? $"key of map '{map.Name}'" : $"value of map '{map.Name}'");
                    if (isKey && size == 4 && reg.Type == RegType.Stack && reg.VarOffsetIsZero)
                        constantKey = ConstantStackBytes(_state.Frames[reg.Frame], reg.Off, 4);
                    break;
                }
                case HelperArgument.InitializedMemory:
                case HelperArgument.UninitializedMemory:
                    if (!reg.IsPointer)
                        throw Fail(VerifierErrorKind.HelperArgument, $"{name} argument r{r} must point to memory, but it is a scalar");
                    memRegNo = r; memReg = reg; memInit = kind == HelperArgument.InitializedMemory;
                    break;
                case HelperArgument.ConstSize:
                case HelperArgument.ConstSizeOrZero:
                {
                    if (reg.IsPointer) throw Fail(VerifierErrorKind.HelperArgument, $"{name} argument r{r} is a size, but it is a pointer ({reg.TypeName})");
                    if (reg.SMin < 0)
                        throw Fail(VerifierErrorKind.HelperArgument, $"{name} size r{r} may be negative ({reg.Format(_context)}): check it is >= 0 first");
                    if (reg.UMax >= MaxVarOffset)
                        throw Fail(VerifierErrorKind.HelperArgument, $"{name} size r{r} is unbounded ({reg.Format(_context)}): check its upper bound first");
                    if (kind == HelperArgument.ConstSize && reg.UMin == 0)
                        throw Fail(VerifierErrorKind.HelperArgument, $"{name} size r{r} may be zero ({reg.Format(_context)}), which this helper does not allow");
                    HelperMemory(name, memRegNo, memReg, (long)reg.UMax, memInit, helperWrites: !memInit, what: "memory");
                    break;
                }
                case HelperArgument.ConstAllocSizeOrZero:
                    if (!reg.IsScalar || !reg.IsConst)
                        throw Fail(VerifierErrorKind.HelperArgument, $"{name} size r{r} must be a known constant, but it is {reg.Format(_context)}");
                    if (reg.ConstValue > int.MaxValue)
                        throw Fail(VerifierErrorKind.HelperArgument, $"{name} size r{r} = {reg.ConstValue} is too large");
                    allocSize = (long)reg.ConstValue;
                    break;
                case HelperArgument.Context:
                    if (reg.Type != RegType.Context || reg.Off != 0 || !reg.VarOffsetIsZero)
                        throw Fail(VerifierErrorKind.HelperArgument, $"{name} argument r{r} must be the unmodified context pointer, but it is {reg.Format(_context)}");
                    break;
                case HelperArgument.RingBufMemory:
                    if (reg.Type != RegType.RingBufMemory)
                        throw Fail(VerifierErrorKind.HelperArgument, $"{name} argument r{r} must be memory from bpf_ringbuf_reserve, but it is {reg.TypeName}");
                    if (reg.Off != 0 || !reg.VarOffsetIsZero)
                        throw Fail(VerifierErrorKind.HelperArgument, $"{name} argument r{r} must point to the start of the reservation (it is moved by {reg.Off})");
                    if (!_state.References.Exists(x => x.Id == reg.RefId))
                        throw Fail(VerifierErrorKind.ReferenceLeak, $"{name} argument r{r}: the reservation was already submitted or discarded");
                    releaseRef = reg.RefId;
                    break;
                case HelperArgument.CallbackFunction:
                    if (reg.Type != RegType.Function)
                        throw Fail(VerifierErrorKind.HelperArgument, $"{name} argument r{r} must be a callback function (lddw of a function address), but it is {reg.TypeName}");
                    callbackTarget = reg.Size;
                    break;
                case HelperArgument.StackOrNull:
                    if (!(reg.Type == RegType.Stack || reg.IsScalar && reg.IsConst && reg.ConstValue == 0))
                        throw Fail(VerifierErrorKind.HelperArgument, $"{name} argument r{r} must be a stack pointer or NULL, but it is {reg.Format(_context)}");
                    callbackContext = reg;
                    break;
                case HelperArgument.SpinLock:
                {
                    if (reg.Type != RegType.MapValue)
                        throw Fail(VerifierErrorKind.HelperArgument, $"{name} argument r{r} must point to a bpf_spin_lock in a map value, but it is {reg.TypeName}");
                    var lockMap = _context.MapAt(reg.Map);
                    if (lockMap.SpinLockOffset < 0)
                        throw Fail(VerifierErrorKind.SpinLock, $"map '{lockMap.Name}' has no bpf_spin_lock in its value");
                    if (!reg.VarOffsetIsZero || reg.Off != lockMap.SpinLockOffset)
                        throw Fail(VerifierErrorKind.SpinLock, $"{name} argument r{r} points to offset {reg.Off} of the value, but the bpf_spin_lock of map '{lockMap.Name}' is at {lockMap.SpinLockOffset}");
                    lockReg = reg;
                    break;
                }
                case HelperArgument.ConstString:
                {
                    if (reg.Type != RegType.MapValue || (reg.Flags & RegFlags.ReadOnly) == 0 || !reg.VarOffsetIsZero)
                        throw Fail(VerifierErrorKind.HelperArgument, $"{name} argument r{r} must point to a constant string in read-only map data, but it is {reg.Format(_context)}");
                    var strMap = _context.MapAt(reg.Map);
                    var image = strMap.InitialValue.Span;
                    int nul = reg.Off < image.Length ? image[reg.Off..].IndexOf((byte)0) : -1;
                    if (nul < 0)
                        throw Fail(VerifierErrorKind.HelperArgument, $"{name} argument r{r}: the string at offset {reg.Off} of map '{strMap.Name}' is not NUL-terminated");
                    break;
                }
                case HelperArgument.Long:
                    HelperMemory(name, r, reg, 8, mustBeInitialized: false, helperWrites: true, what: "result");
                    break;
            }
        }

        if (id == HelperIds.TailCall && _state.References.Count > 0)
            throw Fail(VerifierErrorKind.ReferenceLeak, $"tail_call with {_state.References.Count} unreleased reference(s) would leak them (reserved at instruction {_state.References[0].AcquiredAt})");

        if (releaseRef != 0)
        {
            _state.References.RemoveAll(x => x.Id == releaseRef);
            foreach (var frame in _state.Frames)
            {
                for (int i = 0; i < 11; i++) if (frame.Regs[i].RefId == releaseRef) frame.Regs[i] = Invalidated();
                for (int s = 0; s < frame.Stack.Length; s++)
                    if (frame.Stack[s].IsSpill && frame.Stack[s].Spilled.RefId == releaseRef) { frame.Stack[s].Bytes = StackSlot.AllMisc; frame.Stack[s].Spilled = default; }
            }
        }

        if (lockReg.Type == RegType.MapValue)
        {
            if (id == HelperIds.SpinLock)
            {
                if (_state.LockMap != 0) throw Fail(VerifierErrorKind.SpinLock, "bpf_spin_lock while already holding a lock: locks cannot nest");
                _state.LockMap = lockReg.Map + 1;
                _state.LockId = lockReg.Id;
            }
            else if (id == HelperIds.SpinUnlock)
            {
                if (_state.LockMap == 0) throw Fail(VerifierErrorKind.SpinLock, "bpf_spin_unlock without a matching bpf_spin_lock");
                if (_state.LockMap != lockReg.Map + 1 || _state.LockId != lockReg.Id)
                    throw Fail(VerifierErrorKind.SpinLock, "bpf_spin_unlock of a different lock than the one held");
                _state.LockMap = 0;
                _state.LockId = 0;
            }
        }

        if (ChangesPacketData(id))
        {
            var dead = Invalidated();
            _state.ForEachReg((ref Reg x) => { if (x.Type is RegType.Packet or RegType.PacketEnd or RegType.PacketMeta) x = dead; });
        }

        var callbackArgs = callbackTarget >= 0 ? CallbackArguments(id, name, map, mapIndex, callbackContext) : null;

        for (int r = 1; r <= 5; r++) Regs[r] = Reg.NotInitialized;
        Regs[0] = proto.Returns switch
        {
            HelperReturn.Void => Reg.NotInitialized,
            HelperReturn.MapValueOrNull => MapLookupResult(name, map, mapIndex, id == HelperIds.MapLookupElem ? constantKey : -1),
            HelperReturn.RingBufMemoryOrNull => RingBufReserveResult(pc, name, allocSize),
            _ => Reg.Unknown(),
        };

        if (callbackArgs is not null) InvokeCallback(pc, id, callbackTarget, callbackArgs, _state.Clone());
        _state.Pc = pc + 1;
        return true;
    }

    /// <summary>Helpers that may move or resize packet data (the kernel's bpf_helper_changes_pkt_data): packet pointers die.</summary>
    private static bool ChangesPacketData(int id) =>
        id is 9 or 10 or 11 or 13 or 18 or 19 or 31 or 38 or 39 or 43 or 44 or 50 or 54 or 63 or 65 or 73 or 74 or 75 or 76 or 90 or 91;

    /// <summary>The value of <paramref name="size"/> stack bytes at <paramref name="offset"/> when they are a known constant, else -1.</summary>
    private static long ConstantStackBytes(Frame frame, int offset, int size)
    {
        if (offset >= 0 || offset + size > 0) return -1;
        int slot = (-offset - 1) / 8;
        int slotBase = -8 * (slot + 1);
        if (slot >= frame.Stack.Length || offset + size > slotBase + 8) return -1;
        var s = frame.Stack[slot];
        if (s.IsSpill)
            return s.Spilled is { Type: RegType.Scalar, IsConst: true } c ? (long)((c.ConstValue >> ((offset - slotBase) * 8)) & ((1UL << (size * 8)) - 1)) : -1;
        for (int i = offset - slotBase; i < offset - slotBase + size; i++)
            if (s[i] != SlotByte.Zero) return -1;
        return 0;
    }

    private Reg MapLookupResult(string name, MapDefinition? map, int mapIndex, long constantKey)
    {
        if (map is null) throw Fail(VerifierErrorKind.HelperArgument, $"{name} returns a map value but takes no map");
        Reg r;
        if (map.Type is MapType.ArrayOfMaps or MapType.HashOfMaps)
        {
            if (map.InnerMap is null) throw Fail(VerifierErrorKind.HelperArgument, $"map-in-map '{map.Name}' has no inner map definition");
            r = Reg.Pointer(RegType.MapPointer);
            r.Map = _context.IndexOfInner(map.InnerMap);
        }
        else
        {
            r = Reg.Pointer(RegType.MapValue);
            r.Map = mapIndex;
            if (map.ReadOnlyForPrograms) r.Flags |= RegFlags.ReadOnly;
        }
        // Linux 6.14+: an array lookup with a constant, in-range key cannot fail.
        if (constantKey >= 0 && constantKey < map.MaxEntries && map.Type is MapType.Array or MapType.PerCpuArray) return r;
        r.Flags |= RegFlags.MaybeNull;
        r.Id = NewId();
        return r;
    }

    private Reg RingBufReserveResult(int pc, string name, long size)
    {
        if (size < 0) throw Fail(VerifierErrorKind.HelperArgument, $"{name} returns ring-buffer memory but takes no size");
        var r = Reg.Pointer(RegType.RingBufMemory);
        r.Flags = RegFlags.MaybeNull;
        r.Size = (int)size;
        r.Id = NewId();
        r.RefId = r.Id;
        _state.References.Add(new Reference(r.RefId, pc));
        return r;
    }

    /// <summary>Checks memory a helper reads (<paramref name="mustBeInitialized"/>) or fills (<paramref name="helperWrites"/>).</summary>
    private void HelperMemory(string name, int r, Reg reg, long size, bool mustBeInitialized, bool helperWrites, string what)
    {
        if (reg.Type == RegType.Scalar)
            throw Fail(VerifierErrorKind.HelperArgument, $"{name} argument r{r} must point to the {what} ({size} bytes), but it is a scalar");
        if (size == 0) return;
        if (size > int.MaxValue) throw Fail(VerifierErrorKind.HelperArgument, $"{name}: size {size} is too large");
        int n = (int)size;
        switch (reg.Type)
        {
            case RegType.Stack:
                HelperStackRange(r, reg, size, mustBeInitialized, helperWrites);
                return;
            case RegType.MapValue:
            {
                var map = _context.MapAt(reg.Map);
                if (helperWrites && (reg.Flags & RegFlags.ReadOnly) != 0)
                    throw Fail(VerifierErrorKind.HelperArgument, $"{name} would write to read-only map '{map.Name}' through r{r}");
                CheckRegion(r, reg, 0, n, (int)map.ValueSize, $"map value '{map.Name}'", "value size");
                return;
            }
            case RegType.RingBufMemory:
            case RegType.Memory:
                if (helperWrites && (reg.Flags & RegFlags.ReadOnly) != 0)
                    throw Fail(VerifierErrorKind.HelperArgument, $"{name} would write to read-only memory through r{r}");
                CheckRegion(r, reg, 0, n, reg.Size, reg.Type == RegType.RingBufMemory ? "ring buffer reservation" : "memory", "size");
                return;
            case RegType.Packet:
            case RegType.PacketMeta:
                if (helperWrites && !_ctx.PacketWrites)
                    throw Fail(VerifierErrorKind.HelperArgument, $"{name} would write to the packet, which {_ctx.Name} programs may not");
                CheckPacket(r, reg, 0, n);
                return;
            default:
                throw Fail(VerifierErrorKind.HelperArgument, $"{name} argument r{r} must point to the {what}, but it is {reg.TypeName}");
        }
    }

    private void CheckMapCompatible(int id, string name, MapDefinition map)
    {
        MapType[]? allowed = id switch
        {
            HelperIds.MapLookupElem => [MapType.Hash, MapType.Array, MapType.PerCpuHash, MapType.PerCpuArray, MapType.LruHash, MapType.LruPerCpuHash, MapType.LpmTrie, MapType.ArrayOfMaps, MapType.HashOfMaps],
            HelperIds.MapUpdateElem or HelperIds.MapDeleteElem => [MapType.Hash, MapType.Array, MapType.PerCpuHash, MapType.PerCpuArray, MapType.LruHash, MapType.LruPerCpuHash, MapType.LpmTrie],
            HelperIds.MapPushElem or HelperIds.MapPeekElem => [MapType.Queue, MapType.Stack, MapType.BloomFilter],
            HelperIds.MapPopElem => [MapType.Queue, MapType.Stack],
            HelperIds.TailCall => [MapType.ProgArray],
            HelperIds.PerfEventOutput => [MapType.PerfEventArray],
            HelperIds.RingbufOutput or HelperIds.RingbufReserve or HelperIds.RingbufQuery => [MapType.RingBuf],
            HelperIds.ForEachMapElem => [MapType.Hash, MapType.PerCpuHash, MapType.LruHash, MapType.LruPerCpuHash, MapType.Array, MapType.PerCpuArray],
            _ => null,
        };
        if (allowed is not null && Array.IndexOf(allowed, map.Type) < 0)
            throw Fail(VerifierErrorKind.HelperArgument, $"map '{map.Name}' is a {map.Type} map, which {name} cannot use");
    }

    // ---------------------------------------------------------------- callbacks

    private Reg[] CallbackArguments(int id, string name, MapDefinition? map, int mapIndex, Reg context)
    {
        var args = new Reg[6];
        if (id == HelperIds.Loop)
        {
            var index = Reg.Unknown();
            index.UMax = MaxLoopIterations - 1;
            index.Sync();
            args[1] = index;
            args[2] = context;
        }
        else if (id == HelperIds.ForEachMapElem && map is not null)
        {
            args[1] = Reg.Pointer(RegType.MapPointer);
            args[1].Map = mapIndex;
            args[2] = Reg.Pointer(RegType.Memory);
            args[2].Size = (int)map.KeySize;
            args[2].Flags = RegFlags.ReadOnly;
            args[3] = Reg.Pointer(RegType.MapValue);
            args[3].Map = mapIndex;
            if (map.ReadOnlyForPrograms) args[3].Flags |= RegFlags.ReadOnly;
            args[4] = context;
        }
        else
        {
            throw Fail(VerifierErrorKind.InvalidHelperCall, $"{name} takes a callback the verifier does not know how to call");
        }
        return args;
    }

    /// <summary>Queues the exploration of one callback invocation on top of <paramref name="caller"/>.</summary>
    private void InvokeCallback(int pc, int helperId, int target, Reg[] args, VerifierState caller)
    {
        if (caller.Frames.Length >= ControlFlow.MaxCallFrames)
            throw Fail(VerifierErrorKind.CallDepth, $"the callback would be call frame {caller.Frames.Length + 1}; at most {ControlFlow.MaxCallFrames} are allowed");
        var frame = new Frame
        {
            Number = caller.Frames.Length,
            Function = _cfg.FunctionOf[target],
            CallSite = pc,
            CallbackHelper = helperId,
            CallbackRefs = caller.References.Count,
            CallbackEntry = caller.Frames.Select(f => f.Clone()).ToArray(),
            CallbackArgs = args,
        };
        for (int r = 1; r <= 5; r++) frame.Regs[r] = args[r];
        frame.Regs[10] = Reg.Pointer(RegType.Stack);
        frame.Regs[10].Frame = frame.Number;
        caller.Frames = [.. caller.Frames, frame];
        caller.Pc = target;
        Fork(caller);
    }

    // ---------------------------------------------------------------- local calls and exit

    private bool LocalCall(int pc, int target)
    {
        if (_state.Frames.Length >= ControlFlow.MaxCallFrames)
            throw Fail(VerifierErrorKind.CallDepth, $"the call would be call frame {_state.Frames.Length + 1}; at most {ControlFlow.MaxCallFrames} are allowed");
        if (_state.LockMap != 0)
            throw Fail(VerifierErrorKind.SpinLock, "function calls are not allowed while holding a bpf_spin_lock");
        var frame = new Frame { Number = _state.Frames.Length, Function = _cfg.FunctionOf[target], CallSite = pc };
        for (int r = 1; r <= 5; r++) frame.Regs[r] = Regs[r];
        frame.Regs[10] = Reg.Pointer(RegType.Stack);
        frame.Regs[10].Frame = frame.Number;
        _state.Frames = [.. _state.Frames, frame];
        _state.Pc = target;
        return true;
    }

    private bool Exit(int pc)
    {
        var frame = _state.Current;
        var r0 = frame.Regs[0];
        if (r0.Type == RegType.NotInit && _state.Frames.Length > 1 && frame.CallbackHelper < 0)
        {
            // Linux checks nothing at a static subprogram's exit: the caller gets r0 as it is, and reading it there fails.
            PopFrame();
            Regs[0] = Reg.NotInitialized;
            return true;
        }
        if (r0.Type == RegType.NotInit)
            throw Fail(VerifierErrorKind.UninitializedRegister, "r0 is not initialized at exit: set the return value before exit");
        if (_state.Frames.Length > 1)
        {
            if (!r0.IsScalar)
                throw Fail(VerifierErrorKind.InvalidReturnValue, $"r0 is a {r0.TypeName} at the exit of a function: functions must return scalars");
            if (frame.CallbackHelper >= 0) return CallbackExit(frame, r0);
            PopFrame();
            Regs[0] = r0;
            return true;
        }

        if (_state.LockMap != 0)
            throw Fail(VerifierErrorKind.SpinLock, "program exit while holding a bpf_spin_lock: unlock it on every path");
        if (_state.References.Count > 0)
        {
            var leaked = _state.References[0];
            throw Fail(VerifierErrorKind.ReferenceLeak,
                $"unreleased reference: the ring buffer memory reserved at instruction {leaked.AcquiredAt} is neither submitted nor discarded on this path");
        }
        if (_ctx.ChecksReturnValue)
        {
            if (!r0.IsScalar)
                throw Fail(VerifierErrorKind.InvalidReturnValue, $"r0 is a {r0.TypeName} at exit; {_ctx.Name} programs must return a number in [{_ctx.ReturnMin}, {_ctx.ReturnMax}]");
            if (r0.SMin < _ctx.ReturnMin || r0.SMax > _ctx.ReturnMax)
                throw Fail(VerifierErrorKind.InvalidReturnValue, $"r0 is {r0.Format(_context)} at exit; {_ctx.Name} programs must return a value in [{_ctx.ReturnMin}, {_ctx.ReturnMax}]");
        }
        else if (r0.IsPointer && !_privileged)
        {
            throw Fail(VerifierErrorKind.PointerLeak, $"r0 is a pointer ({r0.TypeName}) at exit: returning it leaks its address (unprivileged)");
        }
        return false;
    }

    /// <summary>Pops the current frame: continues after the call, with r1-r5 clobbered and pointers into the frame invalidated.</summary>
    private void PopFrame()
    {
        var frame = _state.Current;
        _state.Frames = _state.Frames[..^1];
        int gone = frame.Number;
        foreach (var f in _state.Frames)
        {
            for (int i = 0; i < 11; i++) if (f.Regs[i].Type == RegType.Stack && f.Regs[i].Frame >= gone) f.Regs[i] = Reg.NotInitialized;
            for (int s = 0; s < f.Stack.Length; s++)
                if (f.Stack[s].IsSpill && f.Stack[s].Spilled.Type == RegType.Stack && f.Stack[s].Spilled.Frame >= gone)
                { f.Stack[s].Bytes = StackSlot.AllMisc; f.Stack[s].Spilled = default; }
        }
        for (int r = 1; r <= 5; r++) Regs[r] = Reg.NotInitialized;
        _state.Pc = frame.CallSite + 1;
    }

    private bool CallbackExit(Frame frame, Reg r0)
    {
        if (r0.SMin < 0 || r0.SMax > 1)
            throw Fail(VerifierErrorKind.InvalidReturnValue, $"r0 is {r0.Format(_context)} at the exit of a callback; callbacks must return 0 (continue) or 1 (stop)");
        if (_state.References.Count != frame.CallbackRefs)
            throw Fail(VerifierErrorKind.ReferenceLeak, "a reference acquired in the callback is not released before it returns");
        if (_state.LockMap != 0)
            throw Fail(VerifierErrorKind.SpinLock, "callback exit while holding a bpf_spin_lock");
        int pc = frame.CallSite;
        PopFrame();
        Regs[0] = Reg.Unknown();

        // The helper may call the callback again with the stack it left behind: explore that too, unless the state
        // it was first verified with already covers it (scalars that keep changing are widened to unknown).
        var entry = frame.CallbackEntry!;
        var widened = new Frame[_state.Frames.Length];
        bool covered = true;
        var ids = _ids;
        ids.Reset();
        for (int f = 0; f < widened.Length; f++)
        {
            widened[f] = Widen(entry[f], _state.Frames[f]);
            if (!StackSafe(entry[f], widened[f], ids, exact: false)) covered = false;
        }
        if (!covered)
        {
            var again = _state.Clone();
            again.Frames = widened;
            InvokeCallback(pc, frame.CallbackHelper, FunctionStartOf(frame), frame.CallbackArgs!, again);
        }
        return true;
    }

    private int FunctionStartOf(Frame frame) => _cfg.FunctionStarts[frame.Function];

    private static Frame Widen(Frame before, Frame after)
    {
        var result = after.Clone();
        int n = Math.Min(before.Stack.Length, after.Stack.Length);
        for (int s = 0; s < n; s++)
        {
            var b = before.Stack[s];
            var a = after.Stack[s];
            if (a.Bytes == b.Bytes && (!a.IsSpill || a.Spilled.Type != RegType.Scalar || a.Spilled.ScalarEquals(b.Spilled))) continue;
            if (a.IsSpill && b.IsSpill && a.Spilled.IsScalar && b.Spilled.IsScalar)
            {
                result.Stack[s].Spilled = Reg.Unknown();
                continue;
            }
            bool aScalarish = !a.IsSpill || a.Spilled.IsScalar;
            bool bScalarish = !b.IsSpill || b.Spilled.IsScalar;
            if (aScalarish && bScalarish && NoInvalid(a) && NoInvalid(b))
            {
                result.Stack[s].Bytes = StackSlot.AllMisc;
                result.Stack[s].Spilled = default;
            }
        }
        return result;

        static bool NoInvalid(StackSlot slot)
        {
            for (int i = 0; i < 8; i++) if (slot[i] == SlotByte.Invalid) return false;
            return true;
        }
    }
}

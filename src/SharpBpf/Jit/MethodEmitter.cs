using SharpBpf.Runtime;
using System.Reflection;
using System.Reflection.Emit;
using SharpBpf.Isa;
using SharpBpf.Maps;
using SharpBpf.Memory;
using FlowControl = SharpBpf.Isa.FlowControl;

namespace SharpBpf.Jit;

/// <summary>
/// Emits the IL of one generated method: a whole function (registers arrive as arguments) or one region of a
/// split function (registers arrive in a register file and the method returns the next pc, -1 on exit). eBPF
/// registers are IL locals, so RyuJIT keeps them in machine registers; jumps are IL branches.
/// </summary>
internal sealed class MethodEmitter
{
    private const int ArgRuntime = 0, ArgContext = 1;
    // Whole function: r1..r5 = args 2..6, frame pointer = 7, stack base = 8, depth = 9, bounds block = 10.
    // Region: register file = 2, stack base = 3, depth = 4, entry pc = 5, bounds block = 6.
    private readonly int _argStackBase, _argDepth, _argBounds;

    private readonly CompilationContext _cx;
    private readonly Bytecode _code;
    private readonly IlWriter _il;
    private readonly CodeFunction _function;
    private readonly CodeRegion? _region;
    private readonly int _start, _end;
    private readonly LocalBuilder[] _r = new LocalBuilder[Reg.Count];
    private readonly LocalBuilder _address, _temp;
    private LocalBuilder? _key64, _key32;
    // Address-taken (out parameter), so kept apart from the temporaries RyuJIT should enregister.
    private LocalBuilder? _packetValue;
    // Checked accesses the inline checks did not accept: region scans emitted out of line, after the body.
    private readonly List<(Label Stub, Label Resume, int Pc, int Size, bool Write)> _slowAccesses = [];
    private LocalBuilder? _scanIndex, _scanRegions, _scanRegion;
    private readonly Dictionary<int, Label> _labels = [];
    private readonly Label _exit;
    private Label? _packetFail;
    private readonly List<(Label Stub, int From, int Target)> _stubs = [];

    private MethodEmitter(CompilationContext cx, DynamicMethod method, CodeFunction function, CodeRegion? region)
    {
        _cx = cx;
        _code = cx.Code;
        _il = cx.Writer(method);
        _function = function;
        _region = region;
        _start = region?.Start ?? function.Start;
        _end = region?.End ?? function.End;
        _argStackBase = region is null ? 8 : 3;
        _argDepth = region is null ? 9 : 4;
        _argBounds = region is null ? 10 : 6;
        for (int i = 0; i < Reg.Count; i++) _r[i] = _il.DeclareLocal(typeof(ulong));
        _address = _il.DeclareLocal(typeof(ulong));
        _temp = _il.DeclareLocal(typeof(ulong));
        _exit = _il.DefineLabel();
    }

    /// <summary>Emits a function compiled as one method.</summary>
    public static void EmitFunction(CompilationContext cx, CodeFunction function)
    {
        var method = cx.FunctionMethods[function.Index];
        if (function.IsSplit) EmitDispatcher(cx, method, function);
        else new MethodEmitter(cx, method, function, null).EmitBody();
    }

    /// <summary>Emits one region of a split function.</summary>
    public static void EmitRegion(CompilationContext cx, CodeRegion region) =>
        new MethodEmitter(cx, cx.RegionMethods[region.Index], cx.Layout.Functions[region.Function], region).EmitBody();

    /// <summary>A split function: a register file in stack memory and a loop calling the region that holds pc.</summary>
    private static void EmitDispatcher(CompilationContext cx, DynamicMethod method, CodeFunction function)
    {
        var il = cx.Writer(method);
        var registers = il.DeclareLocal(typeof(nint));
        var pc = il.DeclareLocal(typeof(int));
        il.LoadInt(Reg.Count * 8);
        il.Emit(OpCodes.Conv_U);
        il.Emit(OpCodes.Localloc); // zeroed: DynamicMethod sets localsinit
        il.Emit(OpCodes.Stloc, registers);
        for (int i = 1; i <= 5; i++) StoreArgument(i, 1 + i);
        StoreArgument(Reg.R10, 7);
        il.LoadInt(function.Start);
        il.Emit(OpCodes.Stloc, pc);

        var loop = il.DefineLabel();
        var check = il.DefineLabel();
        var calls = function.Regions.Select(_ => il.DefineLabel()).ToArray();
        il.MarkLabel(loop);
        il.LoadArg(ArgRuntime);
        il.Emit(OpCodes.Ldfld, CompilationContext.RegionOfPcField);
        il.Emit(OpCodes.Ldloc, pc);
        il.Emit(OpCodes.Ldelem_I4);
        il.LoadInt(function.Regions[0].Index);
        il.Emit(OpCodes.Sub);
        il.Emit(OpCodes.Switch, calls);
        il.LoadArg(ArgRuntime);
        il.Emit(OpCodes.Ldloc, pc);
        il.Emit(OpCodes.Call, CompilationContext.BadRegionEntry);
        il.Emit(OpCodes.Throw);
        for (int k = 0; k < calls.Length; k++)
        {
            il.MarkLabel(calls[k]);
            il.LoadArg(ArgRuntime);
            il.LoadArg(ArgContext);
            il.Emit(OpCodes.Ldloc, registers);
            il.LoadArg(8);
            il.LoadArg(9);
            il.Emit(OpCodes.Ldloc, pc);
            il.LoadArg(10);
            il.Emit(OpCodes.Call, cx.RegionMethods[function.Regions[k].Index]);
            il.Emit(OpCodes.Stloc, pc);
            il.Emit(OpCodes.Br, check);
        }
        il.MarkLabel(check);
        il.Emit(OpCodes.Ldloc, pc);
        il.Emit(OpCodes.Ldc_I4_0);
        il.Emit(OpCodes.Bge, loop);
        il.Emit(OpCodes.Ldloc, registers);
        il.Emit(OpCodes.Ldind_I8);
        il.Emit(OpCodes.Ret);

        void StoreArgument(int register, int argument)
        {
            il.Emit(OpCodes.Ldloc, registers);
            il.LoadInt(register * 8);
            il.Emit(OpCodes.Add);
            il.LoadArg(argument);
            il.Emit(OpCodes.Stind_I8);
        }
    }

    private void EmitBody()
    {
        for (int pc = _start; pc < _end; pc++)
        {
            var form = _code.FormAt(pc);
            if (form is null || form.Flow is not (FlowControl.Jump or FlowControl.ConditionalBranch)) continue;
            int target = _code.TargetOf(pc);
            if (target >= _start && target < _end && !_labels.ContainsKey(target)) _labels[target] = _il.DefineLabel();
        }
        if (_region is not null)
            foreach (int entry in _region.Entries)
                if (!_labels.ContainsKey(entry)) _labels[entry] = _il.DefineLabel();

        EmitPrologue();
        for (int pc = _start; pc < _end; pc++)
        {
            if (_labels.TryGetValue(pc, out var label))
            {
                _il.MarkLabel(label);
                _knownR1 = null;
            }
            var form = _code.FormAt(pc);
            if (form is null) continue;
            var insn = _code.Instructions[pc];
            EmitInstruction(pc, insn, form);
            TrackKnownR1(pc, insn, form);
        }

        if (_region is not null && _end < _function.End) ExitTo(_end);
        else Throw(CompilationContext.FellOffEnd, _end);

        _il.MarkLabel(_exit);
        if (_region is null)
        {
            _il.Emit(OpCodes.Ldloc, _r[0]);
            _il.Emit(OpCodes.Ret);
        }
        else
        {
            StoreRegisters();
            _il.Emit(OpCodes.Ldc_I4_M1);
            _il.Emit(OpCodes.Ret);
        }

        foreach (var (stub, from, target) in _stubs)
        {
            _il.MarkLabel(stub);
            if (_cx.Budget > 0 && target <= from) ChargeBudget(from - target + 1, from);
            if (target >= _start && target < _end) _il.Emit(OpCodes.Br, _labels[target]);
            else ExitTo(target);
        }

        foreach (var (stub, resume, pc, size, write) in _slowAccesses) EmitRegionScan(stub, resume, pc, size, write);

        if (_packetFail is { } fail)
        {
            // A legacy packet load out of bounds ends the whole program with r0 = 0, as in the kernel.
            _il.MarkLabel(fail);
            _il.LoadArg(ArgContext);
            _il.Emit(OpCodes.Ldc_I4_0);
            _il.Emit(OpCodes.Conv_I8);
            _il.Emit(OpCodes.Call, CompilationContext.Stop);
            _il.Emit(OpCodes.Ldc_I4_0);
            _il.Emit(OpCodes.Conv_I8);
            _il.Emit(OpCodes.Stloc, _r[0]);
            _il.Emit(OpCodes.Br, _exit);
        }
    }

    private void EmitPrologue()
    {
        if (_region is null)
        {
            for (int i = 1; i <= 5; i++)
            {
                _il.LoadArg(1 + i);
                _il.Emit(OpCodes.Stloc, _r[i]);
            }
            _il.LoadArg(7);
            _il.Emit(OpCodes.Stloc, _r[Reg.R10]);
        }
        else
        {
            for (int i = 0; i < Reg.Count; i++)
            {
                _il.LoadArg(2);
                _il.LoadInt(i * 8);
                _il.Emit(OpCodes.Add);
                _il.Emit(OpCodes.Ldind_I8);
                _il.Emit(OpCodes.Stloc, _r[i]);
            }
        }

        if (_cx.Blind)
        {
            _key64 = _il.DeclareLocal(typeof(long));
            _key32 = _il.DeclareLocal(typeof(int));
            _il.LoadArg(ArgRuntime);
            _il.Emit(OpCodes.Ldfld, CompilationContext.BlindKeyField);
            _il.Emit(OpCodes.Dup);
            _il.Emit(OpCodes.Stloc, _key64);
            _il.Emit(OpCodes.Conv_I4);
            _il.Emit(OpCodes.Stloc, _key32);
        }

        if (_region is not null)
        {
            var bad = _il.DefineLabel();
            var table = new Label[_end - _start];
            for (int pc = _start; pc < _end; pc++) table[pc - _start] = _region.Entries.Contains(pc) ? _labels[pc] : bad;
            _il.LoadArg(5);
            _il.LoadInt(_start);
            _il.Emit(OpCodes.Sub);
            _il.Emit(OpCodes.Switch, table);
            _il.MarkLabel(bad);
            Throw(CompilationContext.BadRegionEntry, -1, loadPcFromArgument: true);
        }
    }

    private void StoreRegisters()
    {
        for (int i = 0; i < Reg.R10; i++)
        {
            _il.LoadArg(2);
            _il.LoadInt(i * 8);
            _il.Emit(OpCodes.Add);
            _il.Emit(OpCodes.Ldloc, _r[i]);
            _il.Emit(OpCodes.Stind_I8);
        }
    }

    private void ExitTo(int pc)
    {
        StoreRegisters();
        _il.LoadInt(pc);
        _il.Emit(OpCodes.Ret);
    }

    private void Throw(MethodInfo factory, int pc, bool loadPcFromArgument = false)
    {
        _il.LoadArg(ArgRuntime);
        if (loadPcFromArgument) _il.LoadArg(5);
        else _il.LoadInt(pc);
        _il.Emit(OpCodes.Call, factory);
        _il.Emit(OpCodes.Throw);
    }

    private void ChargeBudget(long count, int pc)
    {
        _il.LoadArg(ArgRuntime);
        _il.LoadArg(ArgContext);
        _il.LoadLong(count);
        _il.LoadInt(pc);
        _il.Emit(OpCodes.Call, CompilationContext.Charge);
    }

    /// <summary>The label a branch at <paramref name="from"/> jumps to: the target itself, or a stub that charges the budget or leaves the region.</summary>
    private Label BranchTarget(int from, int target)
    {
        bool inRange = target >= _start && target < _end;
        bool charge = _cx.Budget > 0 && target <= from;
        if (inRange && !charge) return _labels[target];
        var stub = _il.DefineLabel();
        _stubs.Add((stub, from, target));
        return stub;
    }

    // Program immediates: with blinding on, emitted as (imm ^ key) ^ key with the key read from the runtime object.
    private void Imm32(int value)
    {
        if (_cx.Blind)
        {
            _il.Emit(OpCodes.Ldc_I4, value ^ (int)_cx.BlindKey);
            _il.Emit(OpCodes.Ldloc, _key32!);
            _il.Emit(OpCodes.Xor);
        }
        else _il.LoadInt(value);
    }

    private void Imm64(long value)
    {
        if (_cx.Blind && value is >= int.MinValue and <= int.MaxValue)
        {
            // Sign-extended 32-bit immediates stay 32-bit: smaller code than a blinded 64-bit constant.
            Imm32((int)value);
            _il.Emit(OpCodes.Conv_I8);
        }
        else if (_cx.Blind)
        {
            _il.Emit(OpCodes.Ldc_I8, value ^ _cx.BlindKey);
            _il.Emit(OpCodes.Ldloc, _key64!);
            _il.Emit(OpCodes.Xor);
        }
        else _il.LoadLong(value);
    }

    // The handle a lddw left in r1 in this basic block (what map a following lookup is for), else null.
    private ulong? _knownR1;

    private void TrackKnownR1(int pc, Instruction insn, InstructionForm form)
    {
        if (form.Operation == Operation.LoadImm64 && insn.Dst == 1 && insn.Src == (int)LoadImm64Source.Immediate)
            _knownR1 = _code.Immediate64At(pc);
        else if (form.Flow != FlowControl.Next || ((form.Registers & RegisterUse.WritesDst) != 0 && insn.Dst == 1) || ((form.Registers & RegisterUse.WritesSrc) != 0 && insn.Src == 1))
            _knownR1 = null;
    }

    private void CallMapLookup()
    {
        _il.LoadArg(ArgContext);
        LoadReg(1);
        LoadReg(2);
        _il.Emit(OpCodes.Call, CompilationContext.MapLookupIntrinsic);
        StoreReg(0);
    }

    // r0 = key < max_entries ? values + key * slot : 0, the key read in place (the verifier proved the pointer);
    // a disposed map takes the call, which faults as the helper does.
    private void InlineArrayLookup(int slot, ArrayMap map)
    {
        var call = _il.DefineLabel();
        var missing = _il.DefineLabel();
        var done = _il.DefineLabel();
        _il.LoadArg(ArgRuntime);
        _il.Emit(OpCodes.Ldfld, CompilationContext.KnownMapsField);
        _il.LoadInt(slot);
        _il.Emit(OpCodes.Ldelem_Ref);
        _il.Emit(OpCodes.Callvirt, CompilationContext.MapIsDisposed);
        _il.Emit(OpCodes.Brtrue, call);
        LoadReg(2);
        _il.Emit(OpCodes.Conv_U);
        _il.Emit(OpCodes.Ldind_U4);
        _il.Emit(OpCodes.Conv_U8);
        _il.Emit(OpCodes.Stloc, _temp);
        _il.Emit(OpCodes.Ldloc, _temp);
        _il.LoadLong(map.MaxEntries);
        _il.Emit(OpCodes.Bge_Un, missing);
        _il.Emit(OpCodes.Ldloc, _temp);
        _il.LoadLong(map.SlotBytes);
        _il.Emit(OpCodes.Mul);
        _il.LoadLong((long)map.ValuesAddress);
        _il.Emit(OpCodes.Add);
        StoreReg(0);
        _il.Emit(OpCodes.Br, done);
        _il.MarkLabel(missing);
        _il.LoadLong(0);
        StoreReg(0);
        _il.Emit(OpCodes.Br, done);
        _il.MarkLabel(call);
        CallMapLookup();
        _il.MarkLabel(done);
    }

    private void LoadReg(int register) => _il.Emit(OpCodes.Ldloc, _r[register]);
    private void StoreReg(int register) => _il.Emit(OpCodes.Stloc, _r[register]);

    private void LoadDst(Instruction insn, bool is64)
    {
        LoadReg(insn.Dst);
        if (!is64) _il.Emit(OpCodes.Conv_U4);
    }

    private void StoreDst(Instruction insn, bool is64)
    {
        if (!is64) _il.Emit(OpCodes.Conv_U8);
        StoreReg(insn.Dst);
    }

    private void LoadOperand(Instruction insn, InstructionForm form, bool is64)
    {
        if (form.Source == OperandSource.Register)
        {
            LoadReg(insn.Src);
            if (!is64) _il.Emit(OpCodes.Conv_U4);
        }
        else if (is64) Imm64(insn.Immediate);
        else Imm32(insn.Immediate);
    }

    private void LoadZero() { _il.Emit(OpCodes.Ldc_I4_0); _il.Emit(OpCodes.Conv_I8); }

    private void EmitInstruction(int pc, Instruction insn, InstructionForm form)
    {
        bool is64 = form.Width == 64;
        switch (form.Operation)
        {
            case Operation.Add: Binary(OpCodes.Add); break;
            case Operation.Sub: Binary(OpCodes.Sub); break;
            case Operation.Mul: Binary(OpCodes.Mul); break;
            case Operation.Or: Binary(OpCodes.Or); break;
            case Operation.And: Binary(OpCodes.And); break;
            case Operation.Xor: Binary(OpCodes.Xor); break;
            case Operation.Div or Operation.SDiv or Operation.Mod or Operation.SMod: DivMod(insn, form, is64); break;
            case Operation.Lsh: Shift(OpCodes.Shl); break;
            case Operation.Rsh: Shift(OpCodes.Shr_Un); break;
            case Operation.Arsh: Shift(OpCodes.Shr); break;
            case Operation.Neg:
                LoadDst(insn, is64);
                _il.Emit(OpCodes.Neg);
                StoreDst(insn, is64);
                break;
            case Operation.Mov:
                if (form.Source == OperandSource.Register)
                {
                    LoadReg(insn.Src);
                    if (!is64) _il.Emit(OpCodes.Conv_U4);
                }
                else if (is64) Imm64(insn.Immediate);
                else Imm32(insn.Immediate);
                StoreDst(insn, is64);
                break;
            case Operation.MovSx:
                LoadReg(insn.Src);
                _il.Emit(form.DiscriminatorValue switch { 8 => OpCodes.Conv_I1, 16 => OpCodes.Conv_I2, _ => OpCodes.Conv_I4 });
                _il.Emit(is64 ? OpCodes.Conv_I8 : OpCodes.Conv_U8);
                StoreReg(insn.Dst);
                break;
            case Operation.ToLe:
                if (form.Width == 64) break;
                LoadReg(insn.Dst);
                _il.Emit(form.Width == 16 ? OpCodes.Conv_U2 : OpCodes.Conv_U4);
                _il.Emit(OpCodes.Conv_U8);
                StoreReg(insn.Dst);
                break;
            case Operation.ToBe or Operation.Bswap:
                LoadReg(insn.Dst);
                switch (form.Width)
                {
                    case 16: _il.Emit(OpCodes.Conv_U2); _il.Emit(OpCodes.Call, CompilationContext.Swap16); _il.Emit(OpCodes.Conv_U8); break;
                    case 32: _il.Emit(OpCodes.Conv_U4); _il.Emit(OpCodes.Call, CompilationContext.Swap32); _il.Emit(OpCodes.Conv_U8); break;
                    default: _il.Emit(OpCodes.Call, CompilationContext.Swap64); break;
                }
                StoreReg(insn.Dst);
                break;

            case Operation.Ja:
                _il.Emit(OpCodes.Br, BranchTarget(pc, _code.TargetOf(pc)));
                break;
            case >= Operation.Jeq and <= Operation.Jsle:
                Conditional(pc, insn, form, is64);
                break;

            case Operation.CallHelper:
            {
                if (_cx.IsMapLookupIntrinsic(insn.Immediate))
                {
                    // A lookup never stops the program: no stop check after it.
                    RecordCallSite(pc);
                    ArrayMap? array = null;
                    int known = _knownR1 is { } handle ? _cx.KnownArraySlot(handle, out array) : -1;
                    if (known >= 0) InlineArrayLookup(known, array!);
                    else CallMapLookup();
                    break;
                }
                int slot = _cx.HelperSlot(insn.Immediate);
                if (slot >= 0)
                {
                    RecordCallSite(pc);
                    _il.LoadArg(ArgRuntime);
                    _il.Emit(OpCodes.Ldfld, CompilationContext.HelpersField);
                    _il.LoadInt(slot);
                    _il.Emit(OpCodes.Ldelem_Ref);
                    _il.LoadArg(ArgContext);
                    for (int i = 1; i <= 5; i++) LoadReg(i);
                    _il.Emit(OpCodes.Callvirt, CompilationContext.HelperInvoke);
                }
                else
                {
                    _il.LoadArg(ArgRuntime);
                    _il.LoadArg(ArgContext);
                    Imm32(insn.Immediate);
                    _il.Emit(OpCodes.Conv_I8);
                    CallById(pc);
                }
                StoreReg(0);
                StopCheck();
                break;
            }
            case Operation.CallRegister:
                _il.LoadArg(ArgRuntime);
                _il.LoadArg(ArgContext);
                LoadReg(insn.Dst);
                CallById(pc);
                StoreReg(0);
                StopCheck();
                break;
            case Operation.CallLocal:
                CallLocal(pc);
                break;
            case Operation.Exit:
                _il.Emit(OpCodes.Br, _exit);
                break;

            case Operation.LoadImm64 when insn.Src == (int)LoadImm64Source.CodeAddress:
                Imm64((long)RunContext.EncodeCallback(pc + 1 + insn.Immediate));
                StoreReg(insn.Dst);
                break;
            case Operation.LoadImm64:
                Imm64((long)_code.Immediate64At(pc));
                StoreReg(insn.Dst);
                break;
            case Operation.LoadPacketAbs or Operation.LoadPacketInd:
                PacketLoad(insn, form);
                break;
            case Operation.Load or Operation.LoadSx:
                Address(pc, insn.Src, insn.Offset, form.AccessSize, write: false, asPointer: true);
                _il.Emit(OpCodes.Unaligned, (byte)1);
                if (form.Operation == Operation.Load)
                {
                    _il.Emit(form.AccessSize switch { 1 => OpCodes.Ldind_U1, 2 => OpCodes.Ldind_U2, 4 => OpCodes.Ldind_U4, _ => OpCodes.Ldind_I8 });
                    if (form.AccessSize < 8) _il.Emit(OpCodes.Conv_U8);
                }
                else
                {
                    _il.Emit(form.AccessSize switch { 1 => OpCodes.Ldind_I1, 2 => OpCodes.Ldind_I2, _ => OpCodes.Ldind_I4 });
                    _il.Emit(OpCodes.Conv_I8);
                }
                StoreReg(insn.Dst);
                break;
            case Operation.StoreImm or Operation.StoreReg:
                Address(pc, insn.Dst, insn.Offset, form.AccessSize, write: true, asPointer: true);
                if (form.Operation == Operation.StoreImm)
                {
                    if (form.AccessSize == 8) Imm64(insn.Immediate);
                    else Imm32(insn.Immediate);
                }
                else
                {
                    LoadReg(insn.Src);
                    if (form.AccessSize < 8) _il.Emit(OpCodes.Conv_U4);
                }
                _il.Emit(OpCodes.Unaligned, (byte)1);
                _il.Emit(form.AccessSize switch { 1 => OpCodes.Stind_I1, 2 => OpCodes.Stind_I2, 4 => OpCodes.Stind_I4, _ => OpCodes.Stind_I8 });
                break;
            case >= Operation.AtomicAdd and <= Operation.AtomicCmpXchg:
                Atomic(pc, insn, form);
                break;
            default:
                throw new JitCompileException(pc, $"{form.Mnemonic} is not supported by the JIT");
        }

        void Binary(OpCode op)
        {
            LoadDst(insn, is64);
            LoadOperand(insn, form, is64);
            _il.Emit(op);
            StoreDst(insn, is64);
        }

        void Shift(OpCode op)
        {
            int mask = is64 ? 63 : 31;
            LoadDst(insn, is64);
            if (form.Source == OperandSource.Register)
            {
                LoadReg(insn.Src);
                _il.Emit(OpCodes.Conv_I4);
                _il.LoadInt(mask);
                _il.Emit(OpCodes.And);
            }
            else if (_cx.Blind)
            {
                Imm32(insn.Immediate);
                _il.LoadInt(mask);
                _il.Emit(OpCodes.And);
            }
            else _il.LoadInt(insn.Immediate & mask);
            _il.Emit(op);
            StoreDst(insn, is64);
        }
    }

    private void DivMod(Instruction insn, InstructionForm form, bool is64)
    {
        var op = form.Operation;
        bool signed = op is Operation.SDiv or Operation.SMod;
        bool isDiv = op is Operation.Div or Operation.SDiv;
        var opcode = op switch { Operation.Div => OpCodes.Div_Un, Operation.SDiv => OpCodes.Div, Operation.Mod => OpCodes.Rem_Un, _ => OpCodes.Rem };

        if (form.Source == OperandSource.Immediate)
        {
            if (insn.Immediate == 0) ByZero();
            else if (signed && insn.Immediate == -1) ByMinusOne();
            else
            {
                LoadDst(insn, is64);
                LoadOperand(insn, form, is64);
                _il.Emit(opcode);
                StoreDst(insn, is64);
            }
            return;
        }

        var nonZero = _il.DefineLabel();
        var normal = _il.DefineLabel();
        var done = _il.DefineLabel();
        LoadOperand(insn, form, is64);
        if (!is64) _il.Emit(OpCodes.Conv_U8);
        _il.Emit(OpCodes.Stloc, _temp);
        _il.Emit(OpCodes.Ldloc, _temp);
        _il.Emit(OpCodes.Brtrue, nonZero);
        ByZero();
        _il.Emit(OpCodes.Br, done);
        _il.MarkLabel(nonZero);
        if (signed)
        {
            // INT_MIN / -1 overflows (and traps on x86); RFC 9669 defines it as INT_MIN, and the modulo as 0.
            _il.Emit(OpCodes.Ldloc, _temp);
            if (is64) { _il.Emit(OpCodes.Ldc_I4_M1); _il.Emit(OpCodes.Conv_I8); }
            else { _il.Emit(OpCodes.Conv_U4); _il.Emit(OpCodes.Ldc_I4_M1); }
            _il.Emit(OpCodes.Bne_Un, normal);
            ByMinusOne();
            _il.Emit(OpCodes.Br, done);
        }
        _il.MarkLabel(normal);
        LoadDst(insn, is64);
        _il.Emit(OpCodes.Ldloc, _temp);
        if (!is64) _il.Emit(OpCodes.Conv_U4);
        _il.Emit(opcode);
        StoreDst(insn, is64);
        _il.MarkLabel(done);

        void ByZero()
        {
            if (isDiv)
            {
                LoadZero();
                StoreReg(insn.Dst);
            }
            else if (!is64)
            {
                LoadDst(insn, false);
                StoreDst(insn, false);
            }
        }

        void ByMinusOne()
        {
            if (isDiv)
            {
                LoadDst(insn, is64);
                _il.Emit(OpCodes.Neg);
                StoreDst(insn, is64);
            }
            else
            {
                LoadZero();
                StoreReg(insn.Dst);
            }
        }
    }

    private void Conditional(int pc, Instruction insn, InstructionForm form, bool is64)
    {
        LoadDst(insn, is64);
        LoadOperand(insn, form, is64);
        var target = BranchTarget(pc, _code.TargetOf(pc));
        switch (form.Operation)
        {
            case Operation.Jeq: _il.Emit(OpCodes.Beq, target); break;
            case Operation.Jne: _il.Emit(OpCodes.Bne_Un, target); break;
            case Operation.Jgt: _il.Emit(OpCodes.Bgt_Un, target); break;
            case Operation.Jge: _il.Emit(OpCodes.Bge_Un, target); break;
            case Operation.Jlt: _il.Emit(OpCodes.Blt_Un, target); break;
            case Operation.Jle: _il.Emit(OpCodes.Ble_Un, target); break;
            case Operation.Jsgt: _il.Emit(OpCodes.Bgt, target); break;
            case Operation.Jsge: _il.Emit(OpCodes.Bge, target); break;
            case Operation.Jslt: _il.Emit(OpCodes.Blt, target); break;
            case Operation.Jsle: _il.Emit(OpCodes.Ble, target); break;
            case Operation.Jset: _il.Emit(OpCodes.And); _il.Emit(OpCodes.Brtrue, target); break;
            default: throw new JitCompileException(pc, $"{form.Mnemonic} is not a conditional jump");
        }
    }

    /// <summary>
    /// Stores <paramref name="pc"/> in the run's call-site word before a bound helper call: one store, where a try
    /// block per call would cost on every call and hinder RyuJIT (see <see cref="JitRuntime.CallSiteWord"/>).
    /// </summary>
    private void RecordCallSite(int pc)
    {
        _cx.RecordsCallSites = true;
        _il.LoadArg(_argBounds);
        _il.LoadInt(JitRuntime.CallSiteOffset);
        _il.Emit(OpCodes.Add);
        _il.LoadInt(pc);
        _il.Emit(OpCodes.Stind_I4);
    }

    private void CallById(int pc)
    {
        _cx.CallsHelperDelegates = true;
        _il.LoadInt(pc);
        for (int i = 1; i <= 5; i++) LoadReg(i);
        _il.Emit(OpCodes.Call, CompilationContext.CallHelperById);
    }

    /// <summary>After a helper or local call: a helper may have asked to stop (unwind, tail call) — return at once.</summary>
    private void StopCheck()
    {
        _il.LoadArg(ArgContext);
        _il.Emit(OpCodes.Call, CompilationContext.StopRequested);
        _il.Emit(OpCodes.Brtrue, _exit);
    }

    private void CallLocal(int pc)
    {
        int target = _code.TargetOf(pc);
        var callee = _cx.Layout.Functions[_cx.Layout.FunctionOfPc[target]];
        var ok = _il.DefineLabel();
        _il.LoadArg(_argDepth);
        _il.LoadInt(Reg.MaxCallDepth);
        _il.Emit(OpCodes.Blt, ok);
        Throw(CompilationContext.CallDepthExceeded, pc);
        _il.MarkLabel(ok);
        if (_cx.Budget > 0) ChargeBudget(callee.End - callee.Start, pc);
        _il.LoadArg(ArgRuntime);
        _il.LoadArg(ArgContext);
        for (int i = 1; i <= 5; i++) LoadReg(i);
        LoadReg(Reg.R10);
        _il.LoadLong(Reg.StackFrameSize);
        _il.Emit(OpCodes.Sub);
        _il.LoadArg(_argStackBase);
        _il.LoadArg(_argDepth);
        _il.Emit(OpCodes.Ldc_I4_1);
        _il.Emit(OpCodes.Add);
        _il.LoadArg(_argBounds);
        _il.Emit(OpCodes.Call, _cx.FunctionMethods[callee.Index]);
        StoreReg(0);
        StopCheck();
    }

    private void PacketLoad(Instruction insn, InstructionForm form)
    {
        _il.LoadArg(ArgContext);
        if (form.Operation == Operation.LoadPacketInd)
        {
            // The kernel passes src + imm to its load helper as an int offset (bpf_gen_ld_abs): truncated to 32
            // bits, then negative means out of bounds.
            LoadReg(insn.Src);
            Imm32(insn.Immediate);
            _il.Emit(OpCodes.Conv_I8);
            _il.Emit(OpCodes.Add);
            _il.Emit(OpCodes.Conv_I4);
            _il.Emit(OpCodes.Conv_I8);
        }
        else
        {
            Imm32(insn.Immediate);
            _il.Emit(OpCodes.Conv_I8);
        }
        _il.LoadInt(form.AccessSize);
        _packetValue ??= _il.DeclareLocal(typeof(ulong));
        _il.Emit(OpCodes.Ldloca, _packetValue);
        _il.Emit(OpCodes.Call, CompilationContext.TryLoadPacket);
        _packetFail ??= _il.DefineLabel();
        _il.Emit(OpCodes.Brfalse, _packetFail.Value);
        _il.Emit(OpCodes.Ldloc, _packetValue);
        StoreReg(0);
    }

    /// <summary>
    /// Pushes base + offset, bounds-checked in checked mode: a frame access the layout proves in bounds needs no
    /// check; otherwise two inline unsigned compares (first region and stack, the likelier first) and an out-of-line
    /// region scan.
    /// </summary>
    private void Address(int pc, int baseRegister, short offset, int size, bool write, bool asPointer)
    {
        LoadReg(baseRegister);
        if (offset != 0)
        {
            _il.LoadLong(offset);
            _il.Emit(OpCodes.Add);
        }
        bool frameAccess = baseRegister == Reg.R10;
        if (_cx.Checked && !(frameAccess && _cx.Layout.FramePointerReadOnly && offset >= -Reg.StackFrameSize && offset <= -size))
        {
            var ok = _il.DefineLabel();
            var slow = _il.DefineLabel();
            _il.Emit(OpCodes.Stloc, _address);
            if (frameAccess)
            {
                StackCheck(size, ok);
                RegionCheck(size, write, ok);
            }
            else
            {
                RegionCheck(size, write, ok);
                StackCheck(size, ok);
            }
            _il.Emit(OpCodes.Br, slow);
            _slowAccesses.Add((slow, ok, pc, size, write));
            _il.MarkLabel(ok);
            _il.Emit(OpCodes.Ldloc, _address);
        }
        if (asPointer) _il.Emit(OpCodes.Conv_U);
    }

    /// <summary>
    /// The slow path of a checked access, out of line: scan the run's regions inline (no call, so RyuJIT need not
    /// keep the loop's registers alive across one and spill them on the hot path), fault when none permits it.
    /// </summary>
    private void EmitRegionScan(Label stub, Label resume, int pc, int size, bool write)
    {
        _scanIndex ??= _il.DeclareLocal(typeof(int));
        _scanRegions ??= _il.DeclareLocal(typeof(ReadOnlySpan<MemoryRegion>));
        _scanRegion ??= _il.DeclareLocal(typeof(MemoryRegion).MakeByRefType());
        var loop = _il.DefineLabel();
        var next = _il.DefineLabel();
        var fault = _il.DefineLabel();
        int need = (int)(write ? MemoryAccess.Write : MemoryAccess.Read);
        _il.MarkLabel(stub);
        _il.LoadArg(ArgContext);
        _il.Emit(OpCodes.Call, CompilationContext.RegionsGetter);
        _il.Emit(OpCodes.Stloc, _scanRegions);
        _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Stloc, _scanIndex);
        _il.MarkLabel(loop);
        _il.Emit(OpCodes.Ldloc, _scanIndex);
        _il.Emit(OpCodes.Ldloca, _scanRegions);
        _il.Emit(OpCodes.Call, CompilationContext.RegionSpanLength);
        _il.Emit(OpCodes.Bge, fault);
        _il.Emit(OpCodes.Ldloca, _scanRegions);
        _il.Emit(OpCodes.Ldloc, _scanIndex);
        _il.Emit(OpCodes.Call, CompilationContext.RegionSpanItem);
        _il.Emit(OpCodes.Stloc, _scanRegion);
        _il.Emit(OpCodes.Ldloc, _scanRegion);
        _il.Emit(OpCodes.Ldloc, _address);
        _il.LoadLong(size);
        _il.Emit(OpCodes.Call, CompilationContext.RegionContains);
        _il.Emit(OpCodes.Brfalse, next);
        _il.Emit(OpCodes.Ldloc, _scanRegion);
        _il.Emit(OpCodes.Call, CompilationContext.RegionAccess);
        _il.LoadInt(need);
        _il.Emit(OpCodes.And);
        _il.LoadInt(need);
        _il.Emit(OpCodes.Beq, resume);
        _il.MarkLabel(next);
        _il.Emit(OpCodes.Ldloc, _scanIndex);
        _il.Emit(OpCodes.Ldc_I4_1);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Stloc, _scanIndex);
        _il.Emit(OpCodes.Br, loop);
        _il.MarkLabel(fault);
        _il.LoadArg(ArgRuntime);
        _il.LoadArg(ArgContext);
        _il.Emit(OpCodes.Ldloc, _address);
        _il.LoadInt(size);
        _il.LoadInt(pc);
        _il.LoadInt(write ? 1 : 0);
        _il.Emit(OpCodes.Call, CompilationContext.AccessFault);
        _il.Emit(OpCodes.Throw);
    }

    private void StackCheck(int size, Label ok)
    {
        _il.Emit(OpCodes.Ldloc, _address);
        _il.LoadArg(_argStackBase);
        _il.Emit(OpCodes.Sub);
        _il.LoadLong(_cx.StackSize - size);
        _il.Emit(OpCodes.Ble_Un, ok);
    }

    // address - start <= length - size, both read from the run's bounds block (see JitRuntime.FillBounds).
    private void RegionCheck(int size, bool write, Label ok)
    {
        _il.Emit(OpCodes.Ldloc, _address);
        LoadBound(JitRuntime.BoundsStart(write));
        _il.Emit(OpCodes.Sub);
        LoadBound(JitRuntime.BoundsLimit(write, size));
        _il.Emit(OpCodes.Ble_Un, ok);
    }

    private void LoadBound(int word)
    {
        _il.LoadArg(_argBounds);
        if (word != 0)
        {
            _il.LoadInt(word * 8);
            _il.Emit(OpCodes.Add);
        }
        _il.Emit(OpCodes.Ldind_I8);
    }

    private void Atomic(int pc, Instruction insn, InstructionForm form)
    {
        bool is64 = form.Width == 64;
        string suffix = is64 ? "64" : "32";
        Address(pc, insn.Dst, insn.Offset, form.AccessSize, write: true, asPointer: false);
        LoadReg(insn.Src);
        if (form.Operation == Operation.AtomicCmpXchg)
        {
            LoadReg(0);
            _il.Emit(OpCodes.Call, CompilationContext.Atomic("CmpXchg" + suffix));
            StoreReg(0);
            return;
        }
        string name = form.Operation switch
        {
            Operation.AtomicAdd => "Add",
            Operation.AtomicOr => "Or",
            Operation.AtomicAnd => "And",
            Operation.AtomicXor => "Xor",
            _ => "Xchg",
        };
        _il.Emit(OpCodes.Call, CompilationContext.Atomic(name + suffix));
        if (form.Fetch) StoreReg(insn.Src);
        else _il.Emit(OpCodes.Pop);
    }
}

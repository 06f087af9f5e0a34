using System.Runtime.InteropServices;
using SharpBpf.Asm;
using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Jit;
using SharpBpf.Loader;
using SharpBpf.Maps;
using SharpBpf.Memory;
using SharpBpf.Runtime;
using SharpBpf.Tests.Elf;
using BpfInterpreter = SharpBpf.Interpreter.Interpreter;

namespace SharpBpf.Tests.Jit;

/// <summary>
/// Faults raised inside helpers (bad pointers, bad map handles, refused callbacks, host exceptions) name the call
/// instruction that made them, its pc and disassembly, on every JIT configuration exactly as on the interpreter:
/// in the main function, a bpf-to-bpf subprogram, a bpf_loop callback and a later region of a split function;
/// and, for a clang object with line info, the C line.
/// </summary>
public sealed class JitHelperFaultLocationTests : IDisposable
{
    private const ulong BadAddress = 0x1234;
    private const int CallBackThenRead = 200;

    public static TheoryData<string> Configurations => new() { "checked", "unchecked", "blinded", "split" };

    private static JitOptions Options(string configuration) => configuration switch
    {
        "unchecked" => JitTestSupport.Unchecked,
        "blinded" => new JitOptions { BlindConstants = true },
        "split" => new JitOptions { MaxRegionInstructions = 16 },
        _ => new JitOptions(),
    };

    private readonly BpfMap _map = BpfMap.Create(new MapDefinition { Name = "counts", Type = MapType.Array, KeySize = 4, ValueSize = 8, MaxEntries = 4 });

    public void Dispose() => _map.Dispose();

    private static HelperTable Helpers() => StandardHelpers.Register(new HelperTable())
        // Runs the callback it is given (r1), then reads 8 bytes at r2: a fault after compiled code ran in between.
        .Register(CallBackThenRead, "call_back_then_read", (context, r1, r2, _, _, _) =>
        {
            context.CallbackInvoker!(context, r1, 0, 0, 0, 0, 0);
            return BitConverter.ToUInt64(context.GetMemory(r2, 8, MemoryAccess.Read, "value"));
        });

    private static Instruction[] LoadFunction(int dst, int lddwSlot, int target) =>
        Insn.LdImm64Raw(dst, (int)LoadImm64Source.CodeAddress, (uint)(target - lddwSlot - 1));

    /// <summary>r1 = the map, r2 = <paramref name="key"/>: four slots, then <c>call map_lookup_elem</c>.</summary>
    private Instruction[] LookupWithKey(ulong key) => [.. Insn.LdImm64(Reg.R1, _map.Handle), .. Insn.LdImm64(Reg.R2, key), Insn.EmitCall(HelperIds.MapLookupElem)];

    /// <summary>
    /// Runs <paramref name="program"/> on the interpreter and the JIT configuration; both must fault at
    /// <paramref name="pc"/>, a call instruction, with the same kind, message, instruction text, address and size.
    /// </summary>
    private static BpfRuntimeException SameFault(string configuration, Instruction[] program, int pc, HelperTable? helpers = null, byte[]? memory = null)
    {
        var code = Bytecode.FromInstructions(program);
        helpers ??= Helpers();
        var interpreted = Assert.Throws<BpfRuntimeException>(() => new BpfInterpreter(code, helpers).Run(memory ?? new byte[16]));
        var jit = JitCompiler.Compile(code, helpers, Options(configuration));
        var compiled = Assert.Throws<BpfRuntimeException>(() => jit.Run(memory ?? new byte[16]));

        Assert.Equal(pc, interpreted.ProgramCounter);
        Assert.Equal(Disassembler.Format(code, pc), interpreted.InstructionText);
        Assert.StartsWith("call", interpreted.InstructionText);
        Assert.Equal(interpreted.ProgramCounter, compiled.ProgramCounter);
        Assert.Equal(interpreted.InstructionText, compiled.InstructionText);
        Assert.Equal(interpreted.Error, compiled.Error);
        Assert.Equal(interpreted.Message, compiled.Message);
        Assert.Equal(interpreted.Detail, compiled.Detail);
        Assert.Equal((interpreted.Address, interpreted.Size), (compiled.Address, compiled.Size));
        return compiled;
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void AMapLookupWithAKeyOutsideMemoryNamesTheCall(string configuration)
    {
        var e = SameFault(configuration, [Insn.Mov64Imm(Reg.R6, 1), .. LookupWithKey(BadAddress), Insn.ExitInsn()], 5);
        Assert.Equal(RuntimeError.HelperFault, e.Error);
        Assert.Equal(BadAddress, e.Address);
        Assert.Equal(4, e.Size);
        Assert.StartsWith("pc 5 (call 0x1): helper 1 (map_lookup_elem): map_lookup_elem key: 4 bytes at 0x1234 are not readable program memory", e.Message);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void ABadMapHandleNamesTheCall(string configuration)
    {
        var e = SameFault(configuration,
        [
            Insn.StMem(Bpf.W, Reg.R10, -4, 0),
            Insn.Mov64Reg(Reg.R2, Reg.R10),
            Insn.Alu64Imm(Bpf.ADD, Reg.R2, -4),
            .. Insn.LdImm64(Reg.R1, BadAddress),
            Insn.EmitCall(HelperIds.MapLookupElem),
            Insn.ExitInsn(),
        ], 5);
        Assert.Contains("0x1234 is not a map", e.Message);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void ProbeReadIntoBadMemoryNamesTheCall(string configuration)
    {
        var e = SameFault(configuration,
        [
            Insn.StMem(Bpf.DW, Reg.R10, -8, 42),
            .. Insn.LdImm64(Reg.R1, BadAddress),
            Insn.Mov64Imm(Reg.R2, 8),
            Insn.Mov64Reg(Reg.R3, Reg.R10),
            Insn.Alu64Imm(Bpf.ADD, Reg.R3, -8),
            Insn.EmitCall(HelperIds.ProbeReadKernel),
            Insn.ExitInsn(),
        ], 6);
        Assert.Contains("helper 113 (probe_read_kernel)", e.Message);
        Assert.Contains("not writable", e.Message);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void TracePrintkOfBadMemoryNamesTheCall(string configuration)
    {
        var e = SameFault(configuration, [.. Insn.LdImm64(Reg.R1, BadAddress), Insn.Mov64Imm(Reg.R2, 8), Insn.EmitCall(HelperIds.TracePrintk), Insn.ExitInsn()], 3);
        Assert.Contains("helper 6 (trace_printk)", e.Message);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void ATailCallThroughABadMapNamesTheCall(string configuration)
    {
        var e = SameFault(configuration, [.. Insn.LdImm64(Reg.R2, BadAddress), Insn.Mov64Imm(Reg.R3, 0), Insn.EmitCall(HelperIds.TailCall), Insn.ExitInsn()], 3);
        Assert.Contains("tail_call: 0x1234 is not a map", e.Message);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void AFaultInASubprogramNamesTheSubprogramsCall(string configuration)
    {
        // main: r6 = 7; call sub; r0 = r6; exit.  sub (slot 4): a helper call that succeeds, then the faulting lookup.
        var e = SameFault(configuration,
        [
            Insn.Mov64Imm(Reg.R6, 7),
            Insn.CallRel(2),
            Insn.Mov64Reg(Reg.R0, Reg.R6),
            Insn.ExitInsn(),
            Insn.EmitCall(HelperIds.KtimeGetNs),
            .. LookupWithKey(BadAddress),
            Insn.ExitInsn(),
        ], 9);
        Assert.Contains("map_lookup_elem key", e.Message);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void AHelperFaultAfterASubprogramReturnedNamesTheCallersCall(string configuration)
    {
        // The subprogram's helper call (slot 8) succeeds; the caller's lookup (slot 6) faults.
        SameFault(configuration,
        [
            Insn.CallRel(6),
            .. LookupWithKey(BadAddress),
            Insn.ExitInsn(),
            Insn.EmitCall(HelperIds.KtimeGetNs),
            Insn.ExitInsn(),
        ], 5);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void AFaultInABpfLoopCallbackNamesTheCallbacksCall(string configuration)
    {
        // bpf_loop(2, callback at slot 7, 0, 0); the callback's lookup (slot 11) faults.
        var e = SameFault(configuration,
        [
            Insn.Mov64Imm(Reg.R1, 2),
            .. LoadFunction(Reg.R2, 1, 7),
            Insn.Mov64Imm(Reg.R3, 0),
            Insn.Mov64Imm(Reg.R4, 0),
            Insn.EmitCall(HelperIds.Loop),
            Insn.ExitInsn(),
            .. LookupWithKey(BadAddress),
            Insn.ExitInsn(),
        ], 11);
        Assert.Contains("helper 1 (map_lookup_elem)", e.Message);
        Assert.DoesNotContain("loop", e.Message);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void AHelperThatFaultsAfterItsCallbackReturnedNamesItsOwnCall(string configuration)
    {
        // call_back_then_read(callback at slot 6, bad): the callback's own helper call (slot 6) succeeds first.
        var e = SameFault(configuration,
        [
            .. LoadFunction(Reg.R1, 0, 6),
            .. Insn.LdImm64(Reg.R2, BadAddress),
            Insn.EmitCall(CallBackThenRead),
            Insn.ExitInsn(),
            Insn.EmitCall(HelperIds.KtimeGetNs),
            Insn.Mov64Imm(Reg.R0, 0),
            Insn.ExitInsn(),
        ], 4);
        Assert.Contains($"helper {CallBackThenRead} (call_back_then_read): value: 8 bytes at 0x1234", e.Message);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void ARefusedCallbackNamesTheHelperCall(string configuration)
    {
        // The program takes the address of the function at slot 9 but hands bpf_loop slot 10, inside it.
        var e = SameFault(configuration,
        [
            Insn.Mov64Imm(Reg.R1, 1),
            .. Insn.LdImm64(Reg.R2, RunContext.EncodeCallback(10)),
            .. LoadFunction(Reg.R5, 3, 9),
            Insn.Mov64Imm(Reg.R3, 0),
            Insn.Mov64Imm(Reg.R4, 0),
            Insn.EmitCall(HelperIds.Loop),
            Insn.ExitInsn(),
            Insn.Mov64Imm(Reg.R0, 0),
            Insn.ExitInsn(),
        ], 7);
        Assert.Contains("helper 181 (loop): callback 0xca11bac00000000a is not the address of a function", e.Message);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void AFaultInALaterRegionOfASplitFunctionNamesItsCall(string configuration)
    {
        // 40 instructions of padding and a loop, so with 16-instruction regions the lookup is several regions in.
        var program = new List<Instruction> { Insn.Mov64Imm(Reg.R6, 0) };
        for (int i = 0; i < 40; i++) program.Add(Insn.Alu64Imm(Bpf.ADD, Reg.R6, i));
        program.Add(Insn.Alu64Imm(Bpf.SUB, Reg.R6, 1));
        program.Add(Insn.JmpImm(Bpf.JSGT, Reg.R6, 700, -2));
        program.Add(Insn.EmitCall(HelperIds.KtimeGetNs));
        int call = program.Count + 4;
        program.AddRange(LookupWithKey(BadAddress));
        program.Add(Insn.ExitInsn());
        var e = SameFault(configuration, [.. program], call);
        Assert.Equal(RuntimeError.HelperFault, e.Error);
        if (configuration == "split")
            Assert.True(JitCompiler.Compile(Bytecode.FromInstructions([.. program]), Helpers(), Options(configuration)).MethodCount > 3);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void CallxAndHelpersBoundAtRunTimeNameTheirCalls(string configuration)
    {
        // callx r3 with r3 = map_lookup_elem's id.
        SameFault(configuration, [Insn.Mov64Imm(Reg.R3, HelperIds.MapLookupElem), .. LookupWithKey(BadAddress)[..4], Insn.CallReg(Reg.R3), Insn.ExitInsn()], 5);

        // A helper registered after compilation is looked up when called.
        var helpers = new HelperTable();
        var code = Bytecode.FromInstructions([.. Insn.LdImm64(Reg.R1, BadAddress), Insn.EmitCall(300), Insn.ExitInsn()]);
        var jit = JitCompiler.Compile(code, helpers, Options(configuration));
        helpers.Register(300, "late", (context, r1, _, _, _, _) => context.GetMemory(r1, 1, MemoryAccess.Read, "late byte")[0]);
        var compiled = Assert.Throws<BpfRuntimeException>(() => jit.Run(new byte[16]));
        var interpreted = Assert.Throws<BpfRuntimeException>(() => new BpfInterpreter(code, helpers).Run(new byte[16]));
        Assert.Equal(2, compiled.ProgramCounter);
        Assert.Equal(interpreted.Message, compiled.Message);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void AHostExceptionFromAHelperBecomesAHelperFaultAtItsCall(string configuration)
    {
        var helpers = new HelperTable()
            .Register(HelperIds.KtimeGetNs, "ktime_get_ns", (_, _, _, _, _, _) => 5)
            .Register(301, "broken", (_, _, _, _, _, _) => throw new InvalidOperationException("boom"));
        var e = SameFault(configuration, [Insn.EmitCall(HelperIds.KtimeGetNs), Insn.EmitCall(301), Insn.ExitInsn()], 1, helpers);
        Assert.Equal(RuntimeError.HelperFault, e.Error);
        Assert.Equal("pc 1 (call 0x12d): helper 301 (broken) failed: InvalidOperationException: boom", e.Message);
        Assert.IsType<InvalidOperationException>(e.InnerException);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void FaultsOfTheCompiledCodeKeepTheirOwnPc(string configuration)
    {
        // A helper call succeeds, then a load outside memory faults: the load is named, not the call before it.
        var code = Bytecode.FromInstructions([Insn.EmitCall(HelperIds.KtimeGetNs), .. Insn.LdImm64(Reg.R1, BadAddress), Insn.LdxMem(Bpf.DW, Reg.R0, Reg.R1, 0), Insn.ExitInsn()]);
        if (configuration == "unchecked") return; // no checks to fault: the load would dereference 0x1234
        var e = Assert.Throws<BpfRuntimeException>(() => JitCompiler.Compile(code, Helpers(), Options(configuration)).Run(new byte[16]));
        Assert.Equal(RuntimeError.OutOfBounds, e.Error);
        Assert.Equal(3, e.ProgramCounter);
    }

    [Fact]
    public void AHostFaultOfUncheckedCodeIsNotBlamedOnTheLastHelper()
    {
        // Unchecked code that dereferences a null-page address faults in the compiled method itself.
        var code = Bytecode.FromInstructions([Insn.EmitCall(HelperIds.KtimeGetNs), Insn.Mov64Imm(Reg.R1, 8), Insn.LdxMem(Bpf.DW, Reg.R0, Reg.R1, 0), Insn.ExitInsn()]);
        var jit = JitCompiler.Compile(code, Helpers(), JitTestSupport.Unchecked);
        Assert.Throws<NullReferenceException>(() => jit.Run(new byte[16]));
        // Nor is one the JIT's out-of-line atomics raise for it.
        var atomic = Bytecode.FromInstructions([Insn.EmitCall(HelperIds.KtimeGetNs), Insn.Mov64Imm(Reg.R1, 8), Insn.AtomicOp(Bpf.DW, Bpf.ADD, Reg.R1, Reg.R0, 0), Insn.ExitInsn()]);
        Assert.Throws<NullReferenceException>(() => JitCompiler.Compile(atomic, Helpers(), JitTestSupport.Unchecked).Run(new byte[16]));
    }

    // ---- a clang object with BTF line info: the C line of the faulting call ----

    private static string FaultFixture => Path.Combine(Fixtures.Directory, "faults", "helper_faults.o");

    public static TheoryData<string> Engines => new() { "interpreter", "checked", "unchecked", "split" };

    private static BpfExecutable Executable(LoadedObject obj, string program, string engine) => engine switch
    {
        "interpreter" => obj.GetProgram(program).CreateExecutable(EngineChoice.Interpreter).Executable,
        // Loaded without verification (the programs are unsafe on purpose), so unchecked mode needs the opt-in.
        _ => obj.GetProgram(program).CreateExecutable(EngineChoice.Jit, Options(engine)).Executable,
    };

    [Theory]
    [MemberData(nameof(Engines))]
    public void FaultsInAClangObjectNameTheCLine(string engine)
    {
        using var obj = LoadedObject.LoadFile(FaultFixture, new LoadOptions { Verify = false });
        var memory = GC.AllocateArray<byte>(16, pinned: true);
        ulong address = (ulong)Marshal.UnsafeAddrOfPinnedArrayElement(memory, 0);

        // (program, pc of the faulting call in the linked program, C line, text of that line)
        foreach (var (program, pc, line, text) in new[]
        {
            ("lookup_in_subprogram", 7, 17, "__u64 *count = bpf_map_lookup_elem(&counts, key);"),
            ("copy_in_callback", 19, 35, "bpf_probe_read_kernel((void *)state->destination, sizeof(value), &value);"),
            ("print_from", 2, 49, "return bpf_trace_printk((const char *)*(unsigned long *)memory, 8);"),
        })
        {
            var executable = Executable(obj, program, engine);
            Assert.Equal(engine == "interpreter" ? "interpreter" : "jit", executable.EngineName);
            BitConverter.TryWriteBytes(memory, BadAddress);
            var e = Assert.Throws<BpfRuntimeException>(() => executable.Run(memory));
            Assert.Equal(RuntimeError.HelperFault, e.Error);
            Assert.Equal(pc, e.ProgramCounter);
            Assert.Equal($"./faults/helper_faults.c:{line}", e.SourceLocation);
            Assert.Equal(line, e.SourceLine!.Line);
            Assert.EndsWith($"at ./faults/helper_faults.c:{line}: {text}", e.Message);
            Assert.StartsWith($"pc {pc} (call ", e.Message);
        }

        // With pointers into the memory the same programs run: key 0 of the map holds 0, the callback copies twice.
        BitConverter.TryWriteBytes(memory, address + 8);
        Assert.Equal(1UL, Executable(obj, "lookup_in_subprogram", engine).Run(memory));
        Assert.Equal(2UL, Executable(obj, "copy_in_callback", engine).Run(memory));
        Assert.Equal(1UL, BitConverter.ToUInt64(memory, 8)); // the last index copied
    }
}

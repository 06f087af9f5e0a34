using System.Buffers.Binary;
using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Jit;
using SharpBpf.Loader;
using SharpBpf.Maps;
using SharpBpf.Runtime;
using BpfInterpreter = SharpBpf.Interpreter.Interpreter;
using BpfObject = SharpBpf.Elf.BpfObject;

namespace SharpBpf.Tests.Loader;

/// <summary>
/// The interpreter's side of the <see cref="RunContext.CallbackInvoker"/> contract (lddw src=4 values, budget,
/// nesting, forged values) and runtime faults of loaded programs (the host and the maps stay intact).
/// </summary>
public class CallbackAndFaultTests
{
    private static Instruction[] LoadFunction(int dst, int slot, int target) => Insn.LdImm64Raw(dst, (int)LoadImm64Source.CodeAddress, (uint)(target - (slot + 1)));

    /// <summary>bpf_loop(<paramref name="loops"/>, callback at slot 7, ctx 0, 0); the callback returns 0 after one instruction.</summary>
    private static Bytecode LoopProgram(int loops) => Bytecode.FromInstructions(
    [
        Insn.Mov64Imm(Reg.R1, loops),
        .. LoadFunction(Reg.R2, 1, 7),
        Insn.Mov64Imm(Reg.R3, 0),
        Insn.Mov64Imm(Reg.R4, 0),
        Insn.EmitCall(HelperIds.Loop),
        Insn.ExitInsn(),
        Insn.Mov64Imm(Reg.R0, 0),
        Insn.ExitInsn(),
    ]);

    private static HelperTable Helpers() => StandardHelpers.Register(new HelperTable());

    [Fact]
    public void FunctionAddressesAreTaggedValuesNotAddresses()
    {
        ulong value = RunContext.EncodeCallback(7);
        Assert.True(RunContext.TryDecodeCallback(value, out int slot));
        Assert.Equal(7, slot);
        Assert.False(RunContext.TryDecodeCallback(7, out _));
        Assert.False(RunContext.TryDecodeCallback(value ^ (1UL << 40), out _));

        // The program can see the value it loaded, but dereferencing it faults.
        var code = Bytecode.FromInstructions([.. LoadFunction(Reg.R1, 0, 4), Insn.LdxMem(Bpf.DW, Reg.R0, Reg.R1, 0), Insn.ExitInsn(), Insn.ExitInsn()]);
        var e = Assert.Throws<BpfRuntimeException>(() => new BpfInterpreter(code).Run([]));
        Assert.Equal(RuntimeError.OutOfBounds, e.Error);
        // r0 = the function at slot 3: the interpreter loads exactly the contract's value.
        var loadOnly = Bytecode.FromInstructions([.. LoadFunction(Reg.R0, 0, 3), Insn.ExitInsn(), Insn.ExitInsn()]);
        Assert.Equal(RunContext.EncodeCallback(3), new BpfInterpreter(loadOnly).Run([]));
    }

    [Fact]
    public void BpfLoopRunsTheCallbackAndChargesItsInstructions()
    {
        var interpreter = new BpfInterpreter(LoopProgram(5), Helpers());
        var context = interpreter.RentContext();
        Assert.Equal(5UL, interpreter.Run(context, 0));
        // Main: 6 instructions (the lddw is one); callback: 2 instructions, 5 times.
        Assert.Equal(6 + 2 * 5, context.InstructionsExecuted);
        Assert.Null(context.CallbackInvoker);
    }

    [Fact]
    public void CallbackInstructionsCountAgainstTheBudget()
    {
        var limited = new BpfInterpreter(LoopProgram(1000), Helpers(), new ExecutionOptions { InstructionBudget = 500 });
        var e = Assert.Throws<BpfRuntimeException>(() => limited.Run([]));
        Assert.Equal(RuntimeError.BudgetExceeded, e.Error);
        Assert.Equal(1000UL, new BpfInterpreter(LoopProgram(1000), Helpers(), new ExecutionOptions { InstructionBudget = 2006 }).Run([]));
        Assert.Throws<BpfRuntimeException>(() => new BpfInterpreter(LoopProgram(1000), Helpers(), new ExecutionOptions { InstructionBudget = 2005 }).Run([]));
    }

    [Theory]
    [InlineData(0x1234UL)]
    [InlineData(0xCA11BAC000000003UL)] // a well-formed value for a slot whose address the program never takes
    public void ForgedCallbackValuesFault(ulong forged)
    {
        var code = Bytecode.FromInstructions(
        [
            Insn.Mov64Imm(Reg.R1, 1),
            .. Insn.LdImm64(Reg.R2, forged),
            Insn.Mov64Imm(Reg.R3, 0),
            Insn.Mov64Imm(Reg.R4, 0),
            Insn.EmitCall(HelperIds.Loop),
            Insn.ExitInsn(),
            Insn.Mov64Imm(Reg.R0, 0),
            Insn.ExitInsn(),
        ]);
        var e = Assert.Throws<BpfRuntimeException>(() => new BpfInterpreter(code, Helpers()).Run([]));
        Assert.Equal(RuntimeError.HelperFault, e.Error);
        Assert.Equal(5, e.ProgramCounter);
        Assert.Contains("not the address of a function", e.Message);
    }

    [Fact]
    public void RecursiveCallbacksStopAtTheDepthLimit()
    {
        // The callback calls bpf_loop on itself: unbounded recursion the verifier would refuse.
        var code = Bytecode.FromInstructions(
        [
            Insn.Mov64Imm(Reg.R1, 1),
            .. LoadFunction(Reg.R2, 1, 7),
            Insn.Mov64Imm(Reg.R3, 0),
            Insn.Mov64Imm(Reg.R4, 0),
            Insn.EmitCall(HelperIds.Loop),
            Insn.ExitInsn(),
            Insn.Mov64Imm(Reg.R1, 1),
            .. LoadFunction(Reg.R2, 8, 7),
            Insn.Mov64Imm(Reg.R3, 0),
            Insn.Mov64Imm(Reg.R4, 0),
            Insn.EmitCall(HelperIds.Loop),
            Insn.ExitInsn(),
        ]);
        var interpreter = new BpfInterpreter(code, Helpers());
        var e = Assert.Throws<BpfRuntimeException>(() => interpreter.Run([]));
        Assert.Equal(RuntimeError.CallDepthExceeded, e.Error);
        // The thread's context is clean for the next run.
        Assert.Equal(1UL, new BpfInterpreter(LoopProgram(1), Helpers()).Run([]));
    }

    [Theory]
    [MemberData(nameof(FixtureRunTests.Engines), MemberType = typeof(FixtureRunTests))]
    public void AForgedMapPointerFaultsAndLeavesHostAndMapsIntact(EngineChoice engine)
    {
        using var obj = FixtureRunTests.Load("text_only", new LoadOptions { Verify = false });
        var totals = obj.GetMap("totals");
        Assert.Equal(6UL, FixtureRunTests.Run(obj, "sum_bytes", engine, [1, 2, 3]));
        var memory = new byte[8];
        foreach (ulong forged in new[] { 0x1234UL, obj.GetMap(".bss").Handle ^ (1UL << 33), 0UL })
        {
            BinaryPrimitives.WriteUInt64LittleEndian(memory, forged);
            var e = Assert.Throws<BpfRuntimeException>(() => FixtureRunTests.Run(obj, "forged_map", engine, memory));
            Assert.Equal(RuntimeError.HelperFault, e.Error);
            Assert.Contains("is not a map", e.Message);
            // Both engines locate helper faults at the calling instruction, so the fault names its C line.
            Assert.Equal("./text_only.c:45", e.SourceLocation);
            Assert.Contains("bpf_map_lookup_elem(map, &key)", e.Message);
        }
        // A real handle works, and the maps kept their contents.
        BinaryPrimitives.WriteUInt64LittleEndian(memory, totals.Handle);
        Assert.Equal(1UL, FixtureRunTests.Run(obj, "forged_map", engine, memory));
        Assert.Equal(6UL, totals.Lookup<uint, ulong>(0));
        Assert.Equal(12UL, FixtureRunTests.Run(obj, "sum_bytes", engine, [4, 4, 4]));
        Assert.Equal(18UL, totals.Lookup<uint, ulong>(0));
    }

    [Fact]
    public void MapRegionsAreAddedOncePerRun()
    {
        using var obj = FixtureRunTests.Load("hash_counter");
        var program = obj.GetProgram("count_packets");
        var executable = program.CreateExecutable(EngineChoice.Interpreter).Executable;
        Assert.Equal(obj.GetMap("counters").Regions, program.StaticRegions);
        var context = executable.RentContext();
        var skb = FixtureRunTests.Skb(protocol: 7);
        unsafe
        {
            fixed (byte* p = skb)
            {
                context.AddRegion(new Memory.MemoryRegion((ulong)p, (ulong)skb.Length, Memory.MemoryAccess.ReadWrite, "skb"));
                executable.Run(context, (ulong)p);
                executable.Run(context, (ulong)p);
            }
        }
        foreach (var region in program.StaticRegions) Assert.Equal(1, context.Regions.ToArray().Count(r => r == region));
        Assert.Equal(2UL, obj.GetMap("counters").Lookup<uint, ulong>(7));
    }

    [Fact]
    public void LoadingAParsedObjectFillsInitialisedSlotsAsLoadingItsBytesDoes()
    {
        using var obj = LoadedObject.Load(BpfObject.LoadFile(Tests.Elf.Fixtures.PathOf("map_in_map")));
        var outer = (ArrayOfMapsMap)obj.GetMap("outer");
        Assert.Same(obj.GetMap("inner_a"), outer.GetMap(0));
        Assert.Same(obj.GetMap("inner_b"), outer.GetMap(1));
        Assert.Throws<BpfLoadException>(() => obj.GetMap("missing"));
        Assert.Throws<BpfLoadException>(() => obj.GetProgram("missing"));
    }

    [Fact]
    public void Loading_verifies_by_default_and_trusted_code_can_opt_out()
    {
        Assert.True(new LoadOptions().Verify);
        var e = Assert.Throws<SharpBpf.Verifier.BpfVerifierException>(() => FixtureRunTests.Load("text_only"));
        Assert.Contains("write_rodata", e.Message);
        Assert.Contains("read-only", e.Message);
        Assert.Equal("./text_only.c:37:38: *(volatile __u32 *)&scale_factor = memory[0];", e.Error.SourceLocation);

        using var trusted = FixtureRunTests.Load("text_only", new LoadOptions { Verify = false });
        Assert.All(trusted.Programs, p => Assert.False(p.IsVerified));
        using var verified = FixtureRunTests.Load("hash_counter");
        Assert.All(verified.Programs, p => Assert.True(p.IsVerified));
    }

    [Fact]
    public void Verified_programs_may_run_unchecked_on_the_jit()
    {
        using var obj = FixtureRunTests.Load("hash_counter");
        var program = obj.Programs[0];
        var selected = program.CreateExecutable(EngineChoice.Jit, new JitOptions { MemoryMode = JitMemoryMode.Unchecked });
        Assert.Equal("jit", selected.Executable.EngineName);
        Assert.Equal(JitMemoryMode.Unchecked, ((JitExecutable)selected.Executable).JitOptions.MemoryMode);

        using var trusted = FixtureRunTests.Load("hash_counter", new LoadOptions { Verify = false });
        Assert.Throws<ArgumentException>(() => trusted.Programs[0].CreateExecutable(EngineChoice.Jit, new JitOptions { MemoryMode = JitMemoryMode.Unchecked }));
    }
}

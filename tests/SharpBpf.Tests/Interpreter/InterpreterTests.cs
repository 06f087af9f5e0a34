using System.Runtime.CompilerServices;
using SharpBpf.Asm;
using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Memory;
using SharpBpf.Runtime;
using BpfInterpreter = SharpBpf.Interpreter.Interpreter;

namespace SharpBpf.Tests.Interpreter;

public unsafe class InterpreterTests
{
    private static BpfInterpreter Create(Instruction[] program, HelperTable? helpers = null, ExecutionOptions? options = null) =>
        new(Bytecode.FromInstructions(program), helpers, options);

    private static ulong Run(Instruction[] program, byte[]? memory = null, HelperTable? helpers = null, ExecutionOptions? options = null) =>
        Create(program, helpers, options).Run(memory ?? []);

    /// <summary>A pinned buffer and its address, for tests that check faulting addresses.</summary>
    private static (byte[] Buffer, ulong Address) Pinned(int length)
    {
        var buffer = GC.AllocateArray<byte>(length, pinned: true);
        return (buffer, (ulong)Unsafe.AsPointer(ref buffer[0]));
    }

    private static BpfRuntimeException Fails(Func<ulong> run) => Assert.Throws<BpfRuntimeException>(() => run());

    [Fact]
    public void Engine_name_is_interpreter() =>
        Assert.Equal("interpreter", Create([Insn.Mov64Imm(0, 0), Insn.ExitInsn()]).EngineName);

    [Fact]
    public void Every_opcode_table_form_has_a_handler()
    {
        foreach (var form in OpcodeTable.Forms)
        {
            string handler = SharpBpf.Interpreter.HandlerMap.For(form).ToString();
            Assert.StartsWith(form.Operation.ToString(), handler);
            if (form.AccessSize != 0 && !form.IsAtomic) Assert.EndsWith(form.AccessSize.ToString(), handler);
            bool aluOrBranch = form.Flow == FlowControl.ConditionalBranch || form.Class is InstructionClass.Alu or InstructionClass.Alu64;
            if (aluOrBranch && form.Source != OperandSource.None && form.Operation != Operation.MovSx)
                Assert.EndsWith($"{form.Width}{(form.Source == OperandSource.Immediate ? "Imm" : "Reg")}", handler);
        }
        // Only forms that behave identically share a handler: ja and gotol (the target is pre-decoded), and the
        // lddw pseudo sources (all refused until a loader resolves them).
        var shared = OpcodeTable.Forms.GroupBy(SharpBpf.Interpreter.HandlerMap.For).Where(g => g.Count() > 1)
            .Select(g => g.Key.ToString()).Order().ToArray();
        Assert.Equal(["Ja", "LoadImm64Pseudo"], shared);
    }

    [Fact]
    public void Out_of_bounds_load_names_pc_instruction_address_and_size()
    {
        var (buffer, address) = Pinned(8);
        var code = Bytecode.FromInstructions([Insn.Mov64Imm(0, 0), Insn.LdxMem(Bpf.DW, 0, 1, 4), Insn.ExitInsn()]);
        var interpreter = new BpfInterpreter(code);
        var context = interpreter.RentContext();
        context.AddRegion(new MemoryRegion(address, 8, MemoryAccess.ReadWrite, "memory"));

        var e = Fails(() => interpreter.Run(context, address, 8));

        Assert.Equal(RuntimeError.OutOfBounds, e.Error);
        Assert.Equal(1, e.ProgramCounter);
        Assert.Equal(address + 4, e.Address);
        Assert.Equal(8, e.Size);
        Assert.Equal(Disassembler.Format(code, 1, AsmSyntax.Llvm), e.InstructionText);
        Assert.Contains("pc 1", e.Message);
        Assert.Contains($"0x{address + 4:x}", e.Message);
        GC.KeepAlive(buffer);
    }

    [Fact]
    public void Out_of_bounds_store_is_refused_and_memory_is_untouched()
    {
        var (buffer, address) = Pinned(16);
        var code = Bytecode.FromInstructions([Insn.StMem(Bpf.W, 1, 6, 0x11223344), Insn.Mov64Imm(0, 0), Insn.ExitInsn()]);
        var interpreter = new BpfInterpreter(code);
        var context = interpreter.RentContext();
        context.AddRegion(new MemoryRegion(address, 8, MemoryAccess.ReadWrite, "memory"));

        var e = Fails(() => interpreter.Run(context, address, 8));

        Assert.Equal(RuntimeError.OutOfBounds, e.Error);
        Assert.Equal(0, e.ProgramCounter);
        Assert.Equal(address + 6, e.Address);
        Assert.Equal(4, e.Size);
        Assert.All(buffer, b => Assert.Equal(0, b));
    }

    [Theory]
    [InlineData(-520)] // below the only live frame
    [InlineData(0)]    // at the frame pointer, above the stack
    [InlineData(-4)]   // straddling the top
    public void Stack_accesses_outside_the_live_frames_fault(short offset)
    {
        var e = Fails(() => Run([Insn.StMem(Bpf.DW, Bpf.REG_10, offset, 1), Insn.Mov64Imm(0, 0), Insn.ExitInsn()]));
        Assert.Equal(RuntimeError.OutOfBounds, e.Error);
        Assert.Equal(0, e.ProgramCounter);
        Assert.Equal(8, e.Size);
    }

    [Fact]
    public void Null_pointer_load_faults_instead_of_crashing()
    {
        var e = Fails(() => Run([Insn.Mov64Imm(1, 0), Insn.LdxMem(Bpf.B, 0, 1, 0), Insn.ExitInsn()]));
        Assert.Equal(RuntimeError.OutOfBounds, e.Error);
        Assert.Equal(0UL, e.Address);
        Assert.Equal(1, e.Size);
    }

    [Fact]
    public void Store_to_read_only_region_faults_but_loads_work()
    {
        var (buffer, address) = Pinned(8);
        buffer[3] = 0x5a;
        var load = new BpfInterpreter(Bytecode.FromInstructions([Insn.LdxMem(Bpf.B, 0, 1, 3), Insn.ExitInsn()]));
        var store = new BpfInterpreter(Bytecode.FromInstructions([Insn.StMem(Bpf.H, 1, 2, 7), Insn.Mov64Imm(0, 0), Insn.ExitInsn()]));

        var context = load.RentContext();
        context.AddRegion(new MemoryRegion(address, 8, MemoryAccess.Read, "context"));
        Assert.Equal(0x5aUL, load.Run(context, address));

        context = store.RentContext();
        context.AddRegion(new MemoryRegion(address, 8, MemoryAccess.Read, "context"));
        var e = Fails(() => store.Run(context, address));
        Assert.Equal(RuntimeError.WriteToReadOnly, e.Error);
        Assert.Equal(0, e.ProgramCounter);
        Assert.Equal(address + 2, e.Address);
        Assert.Equal(2, e.Size);
        Assert.Contains("context", e.Message);
        Assert.Equal(0, buffer[2]);
    }

    private static Instruction[] SumTo(int n) =>
    [
        Insn.Mov64Imm(0, 0),
        Insn.Mov64Imm(6, 1),
        Insn.Alu64Reg(Bpf.ADD, 0, 6),
        Insn.Alu64Imm(Bpf.ADD, 6, 1),
        Insn.JmpImm(Bpf.JLE, 6, n, -3),
        Insn.ExitInsn(),
    ];

    [Fact]
    public void Budget_counts_executed_instructions_exactly()
    {
        // 2 + 3 * 10 + 1 instructions.
        var exact = Create(SumTo(10), options: new ExecutionOptions { InstructionBudget = 33 });
        var context = exact.RentContext();
        Assert.Equal(55UL, exact.Run(context, 0));
        Assert.Equal(33, context.InstructionsExecuted);

        var e = Fails(() => Run(SumTo(10), options: new ExecutionOptions { InstructionBudget = 32 }));
        Assert.Equal(RuntimeError.BudgetExceeded, e.Error);
        Assert.Contains("budget", e.Message);
    }

    [Fact]
    public void Lddw_counts_as_one_instruction()
    {
        var interpreter = Create([.. Insn.LdImm64(0, 0x1_0000_0002), Insn.ExitInsn()], options: new ExecutionOptions { InstructionBudget = 2 });
        var context = interpreter.RentContext();
        Assert.Equal(0x1_0000_0002UL, interpreter.Run(context, 0));
        Assert.Equal(2, context.InstructionsExecuted);
    }

    [Fact]
    public void Endless_loop_stops_with_budget_exceeded()
    {
        var e = Fails(() => Run([Insn.Mov64Imm(0, 0), Insn.JmpA(-1), Insn.ExitInsn()]));
        Assert.Equal(RuntimeError.BudgetExceeded, e.Error);
        Assert.Equal(1, e.ProgramCounter);
        Assert.Contains(ExecutionOptions.DefaultInstructionBudget.ToString(), e.Message);
    }

    [Fact]
    public void Budget_zero_is_unlimited() =>
        // 6,000,003 instructions, far beyond the default budget.
        Assert.Equal(2_000_001_000_000UL, Run(SumTo(2_000_000), options: new ExecutionOptions { InstructionBudget = 0 }));

    /// <summary>A chain of <paramref name="frames"/> functions, each calling the next and adding 1 to its result.</summary>
    private static Instruction[] CallChain(int frames)
    {
        var program = new List<Instruction>();
        for (int i = 0; i < frames - 1; i++)
        {
            program.Add(Insn.CallRel(2));
            program.Add(Insn.Alu64Imm(Bpf.ADD, 0, 1));
            program.Add(Insn.ExitInsn());
        }
        program.Add(Insn.Mov64Imm(0, 0));
        program.Add(Insn.ExitInsn());
        return [.. program];
    }

    [Fact]
    public void Eight_frames_are_allowed_nine_are_not()
    {
        Assert.Equal(7UL, Run(CallChain(8)));
        var e = Fails(() => Run(CallChain(9)));
        Assert.Equal(RuntimeError.CallDepthExceeded, e.Error);
        Assert.Equal(21, e.ProgramCounter); // the call made from the eighth frame
    }

    [Fact]
    public void Budget_counts_instructions_across_calls_and_returns_exactly()
    {
        // Seven call / add / exit triples and the innermost mov / exit.
        var exact = Create(CallChain(8), options: new ExecutionOptions { InstructionBudget = 23 });
        var context = exact.RentContext();
        Assert.Equal(7UL, exact.Run(context, 0));
        Assert.Equal(23, context.InstructionsExecuted);

        var e = Fails(() => Run(CallChain(8), options: new ExecutionOptions { InstructionBudget = 22 }));
        Assert.Equal(RuntimeError.BudgetExceeded, e.Error);
    }

    [Fact]
    public void Endless_recursion_stops_with_call_depth_exceeded()
    {
        var e = Fails(() => Run([Insn.CallRel(0), Insn.CallRel(-1), Insn.ExitInsn()]));
        Assert.Equal(RuntimeError.CallDepthExceeded, e.Error);
    }

    [Fact]
    public void Local_call_passes_arguments_preserves_r6_to_r9_and_returns_r0()
    {
        ulong result = Run(
        [
            Insn.Mov64Imm(1, 5),
            Insn.Mov64Imm(6, 100),
            Insn.Mov64Imm(9, 1000),
            Insn.CallRel(3),
            Insn.Alu64Reg(Bpf.ADD, 0, 6),
            Insn.Alu64Reg(Bpf.ADD, 0, 9),
            Insn.ExitInsn(),
            // callee: clobbers r6 and r9, returns r1 * 2
            Insn.Mov64Imm(6, 1),
            Insn.Mov64Imm(9, 1),
            Insn.Mov64Reg(0, 1),
            Insn.Alu64Imm(Bpf.MUL, 0, 2),
            Insn.ExitInsn(),
        ]);
        Assert.Equal(1110UL, result);
    }

    [Fact]
    public void Each_call_gets_a_fresh_zeroed_frame_and_caller_frames_survive()
    {
        ulong result = Run(
        [
            Insn.StMem(Bpf.DW, Bpf.REG_10, -8, 7),      // main's frame
            Insn.CallRel(6),
            Insn.Mov64Reg(6, 0),
            Insn.CallRel(4),                              // second call: the callee must see zero again
            Insn.Alu64Reg(Bpf.ADD, 0, 6),
            Insn.LdxMem(Bpf.DW, 1, Bpf.REG_10, -8),
            Insn.Alu64Reg(Bpf.ADD, 0, 1),                 // + 7 from main's frame
            Insn.ExitInsn(),
            // callee: r0 = old value of its [r10-8], then scribbles on it
            Insn.LdxMem(Bpf.DW, 0, Bpf.REG_10, -8),
            Insn.StMem(Bpf.DW, Bpf.REG_10, -8, 0x55),
            Insn.ExitInsn(),
        ]);
        Assert.Equal(7UL, result);
    }

    [Fact]
    public void Stack_does_not_leak_between_runs()
    {
        var interpreter = Create(
        [
            Insn.LdxMem(Bpf.DW, 0, Bpf.REG_10, -8),
            Insn.LdxMem(Bpf.DW, 1, Bpf.REG_10, -512),
            Insn.Alu64Reg(Bpf.OR, 0, 1),
            Insn.StMem(Bpf.DW, Bpf.REG_10, -8, 0x1234),
            Insn.StMem(Bpf.DW, Bpf.REG_10, -512, 0x5678),
            Insn.ExitInsn(),
        ]);
        for (int i = 0; i < 3; i++) Assert.Equal(0UL, interpreter.Run([]));
    }

    [Fact]
    public void Unknown_helper_is_named()
    {
        var e = Fails(() => Run([Insn.EmitCall(1234), Insn.ExitInsn()]));
        Assert.Equal(RuntimeError.UnknownHelper, e.Error);
        Assert.Equal(0, e.ProgramCounter);
        Assert.Contains("1234", e.Message);
    }

    [Fact]
    public void Call_by_btf_id_is_refused()
    {
        var e = Fails(() => Run([Insn.RawInsn(Bpf.JMP | Bpf.CALL, 0, Bpf.PSEUDO_KFUNC_CALL, 0, 77), Insn.ExitInsn()]));
        Assert.Equal(RuntimeError.Unsupported, e.Error);
        Assert.Contains("BTF", e.Message);
        Assert.Contains("77", e.Message);
    }

    [Fact]
    public void Falling_off_the_end_faults()
    {
        var e = Fails(() => Run([Insn.Mov64Imm(0, 1), Insn.Mov64Imm(0, 2)]));
        Assert.Equal(RuntimeError.FellOffEnd, e.Error);
    }

    [Fact]
    public void Helpers_get_arguments_and_callx_uses_the_register()
    {
        var helpers = new HelperTable().Register(9, "sum", (_, a, b, c, d, e) => a + b + c + d + e);
        Instruction[] args = [Insn.Mov64Imm(1, 1), Insn.Mov64Imm(2, 2), Insn.Mov64Imm(3, 3), Insn.Mov64Imm(4, 4), Insn.Mov64Imm(5, 5)];
        Assert.Equal(15UL, Run([.. args, Insn.EmitCall(9), Insn.ExitInsn()], helpers: helpers));
        Assert.Equal(15UL, Run([.. args, Insn.Mov64Imm(7, 9), Insn.CallReg(7), Insn.ExitInsn()], helpers: helpers));
    }

    [Fact]
    public void Stop_from_a_helper_ends_the_run_with_its_value()
    {
        var helpers = new HelperTable().Register(1, "stop", (context, r1, _, _, _, _) =>
        {
            context.Stop(r1);
            return 999;
        });
        // The stop happens inside a local call; nothing after it runs.
        Instruction[] program =
        [
            Insn.CallRel(2),
            Insn.Mov64Imm(0, 42),
            Insn.ExitInsn(),
            Insn.Mov64Imm(1, 77),
            Insn.EmitCall(1),
            Insn.Mov64Imm(0, 43),
            Insn.ExitInsn(),
        ];
        var interpreter = Create(program, helpers);
        Assert.Equal(77UL, interpreter.Run([]));
        Assert.Equal(77UL, interpreter.Run([])); // the next run starts clean
    }

    [Fact]
    public void Unwind_helper_with_zero_returns_zero()
    {
        Instruction[] program = [Insn.Mov64Imm(1, 0), Insn.EmitCall(5), Insn.Mov64Imm(0, 42), Insn.ExitInsn()];
        Assert.Equal(0UL, Run(program, helpers: Conformance.ConformanceData.Helpers()));
        program[0] = Insn.Mov64Imm(1, 3);
        Assert.Equal(42UL, Run(program, helpers: Conformance.ConformanceData.Helpers()));
    }

    [Fact]
    public void Tail_call_requested_by_a_helper_runs_the_next_program()
    {
        var next = Create([Insn.Mov64Reg(0, 1), Insn.Alu64Imm(Bpf.ADD, 0, 1000), Insn.ExitInsn()]);
        var helpers = new HelperTable().Register(12, "tail_call", (context, _, _, _, _, _) =>
        {
            context.RequestTailCall(next);
            return 0;
        });
        var first = Create([Insn.Mov64Reg(6, 1), Insn.EmitCall(12), Insn.Mov64Imm(0, 1), Insn.ExitInsn()], helpers);
        var context = first.RentContext();
        Assert.Equal(1005UL, first.Run(context, 5));
        Assert.Equal(1, context.TailCallCount);
    }

    [Fact]
    public void Helpers_can_read_the_stack_of_a_subprogram()
    {
        var helpers = new HelperTable().Register(3, "read_u64", (context, pointer, _, _, _, _) =>
            BitConverter.ToUInt64(context.GetMemory(pointer, 8, MemoryAccess.Read, "value")));
        ulong result = Run(
        [
            Insn.CallRel(1),
            Insn.ExitInsn(),
            Insn.StMem(Bpf.DW, Bpf.REG_10, -16, 4242),
            Insn.Mov64Reg(1, Bpf.REG_10),
            Insn.Alu64Imm(Bpf.ADD, 1, -16),
            Insn.EmitCall(3),
            Insn.ExitInsn(),
        ], helpers: helpers);
        Assert.Equal(4242UL, result);
    }

    [Fact]
    public void Helper_faults_carry_the_call_site()
    {
        var helpers = new HelperTable()
            .Register(3, "read_u64", (context, pointer, _, _, _, _) => BitConverter.ToUInt64(context.GetMemory(pointer, 8, MemoryAccess.Read, "value")))
            .Register(4, "broken", (_, _, _, _, _, _) => throw new InvalidOperationException("boom"));

        var e = Fails(() => Run([Insn.Mov64Imm(1, 16), Insn.EmitCall(3), Insn.ExitInsn()], helpers: helpers));
        Assert.Equal(RuntimeError.HelperFault, e.Error);
        Assert.Equal(1, e.ProgramCounter);
        Assert.Contains("read_u64", e.Message);

        e = Fails(() => Run([Insn.EmitCall(4), Insn.ExitInsn()], helpers: helpers));
        Assert.Equal(RuntimeError.HelperFault, e.Error);
        Assert.Contains("boom", e.Message);
    }

    [Fact]
    public void Legacy_packet_loads_are_big_endian()
    {
        byte[] packet = [0x12, 0x34, 0x56, 0x78, 0x9a];
        Assert.Equal(0x3456UL, Run([Insn.LdAbs(Bpf.H, 1), Insn.ExitInsn()], packet));
        Assert.Equal(0x3456789aUL, Run([Insn.LdAbs(Bpf.W, 1), Insn.ExitInsn()], packet));
        Assert.Equal(0x9aUL, Run([Insn.Mov64Imm(2, 3), Insn.LdInd(Bpf.B, 2, 1), Insn.ExitInsn()], packet));
    }

    [Theory]
    [InlineData(2)]  // 4 bytes from offset 2 of 5
    [InlineData(5)]  // just past the end
    [InlineData(-1)] // negative offsets are special in Linux and absent here
    public void Legacy_packet_load_out_of_bounds_ends_the_program_with_zero(int offset)
    {
        byte[] packet = [1, 2, 3, 4, 5];
        Assert.Equal(0UL, Run([Insn.Mov64Imm(0, 9), Insn.LdAbs(Bpf.W, offset), Insn.Mov64Imm(0, 42), Insn.ExitInsn()], packet));
        Assert.Equal(0UL, Run([Insn.Mov64Imm(3, offset), Insn.LdInd(Bpf.W, 3, 0), Insn.Mov64Imm(0, 42), Insn.ExitInsn()], packet));
    }

    private static ulong Alu(ulong dst, Instruction operation, ulong src = 0) => Run(
    [
        .. Insn.LdImm64(0, dst),
        .. Insn.LdImm64(1, src),
        operation,
        Insn.ExitInsn(),
    ]);

    [Fact]
    public void Division_and_modulo_by_zero_follow_rfc_9669()
    {
        const ulong dst = 0xffff_ffff_0000_0005;
        Assert.Equal(0UL, Alu(dst, Insn.Alu64Reg(Bpf.DIV, 0, 1)));
        Assert.Equal(0UL, Alu(dst, Insn.Alu32Reg(Bpf.DIV, 0, 1)));
        Assert.Equal(dst, Alu(dst, Insn.Alu64Reg(Bpf.MOD, 0, 1)));
        Assert.Equal(5UL, Alu(dst, Insn.Alu32Reg(Bpf.MOD, 0, 1)));              // upper half zeroed
        Assert.Equal(0UL, Alu(dst, Insn.Alu64Imm(Bpf.DIV, 0, 0)));
        Assert.Equal(dst, Alu(dst, Insn.Alu64Imm(Bpf.MOD, 0, 0)));
        // Signed forms (offset 1).
        Assert.Equal(0UL, Alu(dst, Insn.RawInsn(Bpf.ALU64 | Bpf.DIV | Bpf.X, 0, 1, 1, 0)));
        Assert.Equal(dst, Alu(dst, Insn.RawInsn(Bpf.ALU64 | Bpf.MOD | Bpf.X, 0, 1, 1, 0)));
        Assert.Equal(5UL, Alu(dst, Insn.RawInsn(Bpf.ALU | Bpf.MOD | Bpf.X, 0, 1, 1, 0)));
        // A divisor whose low half is zero is zero for the 32-bit forms.
        Assert.Equal(0UL, Alu(dst, Insn.Alu32Reg(Bpf.DIV, 0, 1), 0x1_0000_0000));
    }

    [Fact]
    public void Signed_division_overflow_does_not_trap()
    {
        const ulong min64 = 0x8000_0000_0000_0000;
        Assert.Equal(min64, Alu(min64, Insn.RawInsn(Bpf.ALU64 | Bpf.DIV | Bpf.K, 0, 0, 1, -1)));
        Assert.Equal(0UL, Alu(min64, Insn.RawInsn(Bpf.ALU64 | Bpf.MOD | Bpf.K, 0, 0, 1, -1)));
        Assert.Equal(min64, Alu(min64, Insn.RawInsn(Bpf.ALU64 | Bpf.DIV | Bpf.X, 0, 1, 1, 0), ulong.MaxValue));
        Assert.Equal(0x8000_0000UL, Alu(0x8000_0000, Insn.RawInsn(Bpf.ALU | Bpf.DIV | Bpf.K, 0, 0, 1, -1)));
        Assert.Equal(0UL, Alu(0x8000_0000, Insn.RawInsn(Bpf.ALU | Bpf.MOD | Bpf.X, 0, 1, 1, 0), 0xffff_ffff));
        Assert.Equal(unchecked((ulong)-3L), Alu(unchecked((ulong)-7L), Insn.RawInsn(Bpf.ALU64 | Bpf.DIV | Bpf.K, 0, 0, 1, 2)));
        Assert.Equal(unchecked((ulong)-1L), Alu(unchecked((ulong)-7L), Insn.RawInsn(Bpf.ALU64 | Bpf.MOD | Bpf.K, 0, 0, 1, 2)));
    }

    [Fact]
    public void Shifts_mask_the_amount_and_alu32_zero_extends()
    {
        Assert.Equal(2UL, Alu(1, Insn.Alu64Reg(Bpf.LSH, 0, 1), 65));
        Assert.Equal(2UL, Alu(1, Insn.Alu32Reg(Bpf.LSH, 0, 1), 33));
        Assert.Equal(0xffff_ffffUL, Alu(0xffff_ffff_8000_0000, Insn.Alu32Reg(Bpf.ARSH, 0, 1), 31));
        Assert.Equal(0UL, Alu(0xffff_ffff_ffff_ffff, Insn.Alu32Imm(Bpf.ADD, 0, 1)));
        Assert.Equal(0xffff_ffffUL, Alu(0, Insn.Alu32Imm(Bpf.MOV, 0, -1)));
    }

    [Fact]
    public void Atomic_add_is_atomic_across_threads()
    {
        var (buffer, address) = Pinned(16);
        var interpreter = Create(
        [
            Insn.Mov64Imm(2, 1),
            Insn.Mov64Imm(3, 0),
            Insn.AtomicOp(Bpf.DW, Bpf.ADD, 1, 2, 0),
            Insn.Mov64Imm(4, 1),
            Insn.AtomicOp(Bpf.W, Bpf.ADD | Bpf.FETCH, 1, 4, 8),  // r4 = the old value
            Insn.Alu64Imm(Bpf.ADD, 3, 1),
            Insn.JmpImm(Bpf.JLT, 3, 1000, -5),
            Insn.Mov64Imm(0, 0),
            Insn.ExitInsn(),
        ]);
        const int threads = 4;
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            var context = interpreter.RentContext();
            context.AddRegion(new MemoryRegion(address, 16, MemoryAccess.ReadWrite, "shared"));
            interpreter.Run(context, address);
        })).ToArray();
        foreach (var t in workers) t.Start();
        foreach (var t in workers) t.Join();
        Assert.Equal((ulong)(threads * 1000), BitConverter.ToUInt64(buffer, 0));
        Assert.Equal((uint)(threads * 1000), BitConverter.ToUInt32(buffer, 8));
    }

    [Fact]
    public void Misaligned_atomics_compute_the_right_values()
    {
        byte[] memory = new byte[16];
        BitConverter.TryWriteBytes(memory.AsSpan(1), 40UL);
        ulong result = Run(
        [
            Insn.Mov64Imm(2, 2),
            Insn.AtomicOp(Bpf.DW, Bpf.ADD | Bpf.FETCH, 1, 2, 1),  // r2 = 40, mem = 42
            Insn.Mov64Imm(0, 42),
            Insn.Mov64Imm(3, 7),
            Insn.AtomicOp(Bpf.DW, Bpf.CMPXCHG, 1, 3, 1),          // r0 = 42, mem = 7
            Insn.LdxMem(Bpf.DW, 4, 1, 1),
            Insn.Alu64Imm(Bpf.MUL, 4, 1000),
            Insn.Alu64Reg(Bpf.ADD, 0, 4),
            Insn.Alu64Imm(Bpf.MUL, 2, 100000),
            Insn.Alu64Reg(Bpf.ADD, 0, 2),
            Insn.ExitInsn(),
        ], memory);
        Assert.Equal(40UL * 100000 + 7 * 1000 + 42, result);
    }

    [Fact]
    public void Concurrent_runs_on_one_interpreter_are_independent()
    {
        // Sums the bytes of the memory through a stack slot, and calls a subprogram, so that any sharing of
        // registers, stack or frames between threads would corrupt the results.
        var interpreter = Create(
        [
            Insn.StMem(Bpf.DW, Bpf.REG_10, -8, 0),
            Insn.Mov64Imm(3, 0),
            Insn.JmpReg(Bpf.JGE, 3, 2, 8),
            Insn.Mov64Reg(4, 1),
            Insn.Alu64Reg(Bpf.ADD, 4, 3),
            Insn.LdxMem(Bpf.B, 4, 4, 0),
            Insn.LdxMem(Bpf.DW, 5, Bpf.REG_10, -8),
            Insn.Alu64Reg(Bpf.ADD, 5, 4),
            Insn.StxMem(Bpf.DW, Bpf.REG_10, 5, -8),
            Insn.Alu64Imm(Bpf.ADD, 3, 1),
            Insn.JmpA(-9),
            Insn.LdxMem(Bpf.DW, 1, Bpf.REG_10, -8),
            Insn.CallRel(1),
            Insn.ExitInsn(),
            Insn.StxMem(Bpf.DW, Bpf.REG_10, 1, -8),
            Insn.LdxMem(Bpf.DW, 0, Bpf.REG_10, -8),
            Insn.Alu64Imm(Bpf.MUL, 0, 3),
            Insn.ExitInsn(),
        ]);
        const int threads = 4, runs = 300;
        var failures = new List<string>();
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var random = new Random(t);
            for (int i = 0; i < runs; i++)
            {
                var memory = new byte[random.Next(1, 200)];
                random.NextBytes(memory);
                ulong expected = 3 * (ulong)memory.Sum(b => (long)b);
                ulong actual = interpreter.Run(memory);
                if (actual != expected) lock (failures) failures.Add($"thread {t} run {i}: {actual} != {expected}");
            }
        })).ToArray();
        foreach (var w in workers) w.Start();
        foreach (var w in workers) w.Join();
        Assert.Empty(failures);
    }

    [Fact]
    public void Runs_do_not_allocate()
    {
        var helpers = new HelperTable().Register(1, "double", (_, a, _, _, _, _) => a * 2);
        var interpreter = Create(
        [
            Insn.LdxMem(Bpf.W, 6, 1, 0),
            Insn.StxMem(Bpf.DW, Bpf.REG_10, 6, -8),
            Insn.CallRel(3),
            Insn.LdxMem(Bpf.DW, 1, Bpf.REG_10, -8),
            Insn.Alu64Reg(Bpf.ADD, 0, 1),
            Insn.ExitInsn(),
            Insn.Mov64Imm(1, 21),
            Insn.EmitCall(1),
            Insn.ExitInsn(),
        ], helpers);
        byte[] memory = [3, 0, 0, 0];
        for (int i = 0; i < 100; i++) interpreter.Run(memory); // warm up (JIT, per-thread context)

        long before = GC.GetAllocatedBytesForCurrentThread();
        ulong sum = 0;
        for (int i = 0; i < 1000; i++) sum += interpreter.Run(memory);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(45UL * 1000, sum);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Unresolved_lddw_pseudo_source_is_refused()
    {
        var e = Fails(() => Run([.. Insn.LdMapFd(1, 3), Insn.Mov64Imm(0, 0), Insn.ExitInsn()]));
        Assert.Equal(RuntimeError.Unsupported, e.Error);
        Assert.Equal(0, e.ProgramCounter);
        Assert.Contains("MapFd", e.Message);
    }

    [Fact]
    public void Jmp32_compares_the_low_halves_and_gotol_uses_the_immediate()
    {
        ulong result = Run(
        [
            .. Insn.LdImm64(1, 0x1_0000_0005),
            Insn.Mov64Imm(0, 0),
            Insn.Jmp32Imm(Bpf.JEQ, 1, 5, 1),       // low half is 5: taken
            Insn.Alu64Imm(Bpf.ADD, 0, 100),
            Insn.JmpImm(Bpf.JEQ, 1, 5, 1),         // full value is not 5: not taken
            Insn.Alu64Imm(Bpf.ADD, 0, 1),
            Insn.Jmp32A(1),
            Insn.Alu64Imm(Bpf.ADD, 0, 1000),
            Insn.ExitInsn(),
        ]);
        Assert.Equal(1UL, result);
    }
}

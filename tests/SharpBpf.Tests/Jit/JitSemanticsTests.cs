using System.Buffers.Binary;
using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Jit;
using SharpBpf.Memory;
using SharpBpf.Runtime;
using static SharpBpf.Tests.Jit.JitTestSupport;

namespace SharpBpf.Tests.Jit;

public class JitSemanticsTests
{
    public static TheoryData<bool> Modes => new() { false, true };

    private static JitOptions? Mode(bool unchecked_) => unchecked_ ? Unchecked : null;

    [Theory]
    [MemberData(nameof(Modes))]
    public void Division_by_zero_follows_rfc9669(bool unchecked_)
    {
        // r0 = 1234567 / 0 (64) = 0; r6 = 77 % 0 (64) = 77; r7 = (0xffffffff00000005 % 0) as mod32 = 5 (zero-extended).
        var program = new[]
        {
            Insn.Mov64Imm(Reg.R0, 1234567), Insn.Mov64Imm(Reg.R1, 0), Insn.Alu64Reg(Bpf.DIV, Reg.R0, Reg.R1),
            Insn.Mov64Imm(Reg.R6, 77), Insn.Alu64Reg(Bpf.MOD, Reg.R6, Reg.R1),
            Insn.Mov64Imm(Reg.R7, -1), Insn.Alu64Imm(Bpf.LSH, Reg.R7, 32), Insn.Alu64Imm(Bpf.OR, Reg.R7, 5),
            Insn.Alu32Reg(Bpf.MOD, Reg.R7, Reg.R1),
            Insn.Mov64Imm(Reg.R8, 99), Insn.Alu32Imm(Bpf.DIV, Reg.R8, 0),
            // r0 = r0 + r6 * 1000 + r7 * 10 + r8  (0 + 77000 + 50 + 0)
            Insn.Alu64Imm(Bpf.MUL, Reg.R6, 1000), Insn.Alu64Reg(Bpf.ADD, Reg.R0, Reg.R6),
            Insn.Alu64Imm(Bpf.MUL, Reg.R7, 10), Insn.Alu64Reg(Bpf.ADD, Reg.R0, Reg.R7), Insn.Alu64Reg(Bpf.ADD, Reg.R0, Reg.R8),
            Insn.ExitInsn(),
        };
        Assert.Equal(0UL + 77 * 1000 + 5 * 10 + 0, Run(program, options: Mode(unchecked_)));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Signed_int_min_divided_by_minus_one_does_not_trap(bool unchecked_)
    {
        ulong Eval(params Instruction[] tail) =>
            Run([.. Insn.LdImm64(Reg.R0, 0x8000_0000_0000_0000), Insn.Mov64Imm(Reg.R1, -1), .. tail, Insn.ExitInsn()], options: Mode(unchecked_));
        var sdiv64 = new Instruction((byte)(Bpf.ALU64 | Bpf.DIV | Bpf.X), Reg.R0, Reg.R1, 1, 0);
        var smod64 = new Instruction((byte)(Bpf.ALU64 | Bpf.MOD | Bpf.X), Reg.R0, Reg.R1, 1, 0);
        var sdiv64Imm = new Instruction((byte)(Bpf.ALU64 | Bpf.DIV | Bpf.K), Reg.R0, 0, 1, -1);
        var sdiv32 = new Instruction((byte)(Bpf.ALU | Bpf.DIV | Bpf.X), Reg.R0, Reg.R1, 1, 0);
        var smod32Imm = new Instruction((byte)(Bpf.ALU | Bpf.MOD | Bpf.K), Reg.R0, 0, 1, -1);
        Assert.Equal(0x8000_0000_0000_0000UL, Eval(sdiv64));
        Assert.Equal(0UL, Eval(smod64));
        Assert.Equal(0x8000_0000_0000_0000UL, Eval(sdiv64Imm));
        Assert.Equal(0UL, Eval(Insn.Mov32Imm(Reg.R0, int.MinValue), smod32Imm));
        Assert.Equal(0x8000_0000UL, Eval(Insn.Mov32Imm(Reg.R0, int.MinValue), sdiv32));
    }

    [Fact]
    public void Out_of_bounds_load_names_pc_instruction_address_and_size()
    {
        var program = new[] { Insn.Mov64Imm(Reg.R0, 0), Insn.LdxMem(Bpf.W, Reg.R0, Reg.R1, 6), Insn.ExitInsn() };
        var executable = Compile(program);
        var error = Assert.Throws<BpfRuntimeException>(() => executable.Run(new byte[8]));
        Assert.Equal(RuntimeError.OutOfBounds, error.Error);
        Assert.Equal(1, error.ProgramCounter);
        Assert.Equal(4, error.Size);
        Assert.NotNull(error.InstructionText);
        Assert.Contains("pc 1", error.Message);
        Assert.Contains($"0x{error.Address:x}", error.Message);
        // In bounds, the same program reads the last word.
        byte[] large = [0, 0, 0, 0, 0, 0, 0x0a, 0x0b, 0x0c, 0x0d];
        Assert.Equal(BinaryPrimitives.ReadUInt32LittleEndian(large.AsSpan(6)), executable.Run(large));
    }

    [Fact]
    public void Memory_shorter_than_a_word_is_still_bounds_checked_exactly()
    {
        var executable = Compile([Insn.LdxMem(Bpf.W, Reg.R0, Reg.R1, 0), Insn.LdxMem(Bpf.H, Reg.R2, Reg.R1, 3), Insn.ExitInsn()]);
        var error = Assert.Throws<BpfRuntimeException>(() => executable.Run(new byte[4]));
        Assert.Equal(RuntimeError.OutOfBounds, error.Error);
        Assert.Equal(1, error.ProgramCounter);
        Assert.Equal(2, error.Size);
        Assert.Equal(0x04030201UL, executable.Run([1, 2, 3, 4, 5]));
    }

    [Fact]
    public void Stack_access_below_the_frame_is_out_of_bounds()
    {
        var program = new[] { Insn.StMem(Bpf.DW, Reg.R10, -520, 1), Insn.Mov64Imm(Reg.R0, 0), Insn.ExitInsn() };
        var error = Assert.Throws<BpfRuntimeException>(() => Run(program));
        Assert.Equal(RuntimeError.OutOfBounds, error.Error);
        Assert.Equal(0, error.ProgramCounter);
        Assert.Equal(8, error.Size);
    }

    [Fact]
    public unsafe void Store_to_read_only_region_is_reported()
    {
        var executable = Compile([Insn.StMem(Bpf.B, Reg.R1, 0, 7), Insn.Mov64Imm(Reg.R0, 0), Insn.ExitInsn()]);
        byte[] data = new byte[4];
        fixed (byte* p = data)
        {
            var context = executable.RentContext();
            context.AddRegion(new MemoryRegion((ulong)p, 4, MemoryAccess.Read, "context"));
            ulong address = (ulong)p;
            var error = Assert.Throws<BpfRuntimeException>(() => executable.Run(context, address));
            Assert.Equal(RuntimeError.WriteToReadOnly, error.Error);
            Assert.Equal(address, error.Address);
            Assert.Equal(1, error.Size);
        }
        Assert.Equal(0, data[0]);
    }

    [Fact]
    public void Stack_memory_is_zeroed_and_usable()
    {
        // Reads an untouched stack slot (must be 0), then stores and reloads.
        var program = new[]
        {
            Insn.LdxMem(Bpf.DW, Reg.R0, Reg.R10, -512),
            Insn.StMem(Bpf.W, Reg.R10, -4, 0x1234),
            Insn.LdxMem(Bpf.W, Reg.R2, Reg.R10, -4),
            Insn.Alu64Reg(Bpf.ADD, Reg.R0, Reg.R2),
            Insn.ExitInsn(),
        };
        Assert.Equal(0x1234UL, Run(program));
    }

    [Fact]
    public void Budget_stops_an_infinite_loop_in_checked_mode()
    {
        var options = new JitOptions { Execution = new ExecutionOptions { InstructionBudget = 10_000 } };
        var error = Assert.Throws<BpfRuntimeException>(() => Run([Insn.Mov64Imm(Reg.R0, 0), Insn.Alu64Imm(Bpf.ADD, Reg.R0, 1), Insn.JmpA(-2), Insn.ExitInsn()], options: options));
        Assert.Equal(RuntimeError.BudgetExceeded, error.Error);
        Assert.Equal(2, error.ProgramCounter);
    }

    [Fact]
    public void Budget_zero_is_unlimited_and_finite_loops_finish()
    {
        // r0 counts to 50,000 with a conditional backward jump: more than the limit a budget of 10,000 allows.
        Instruction[] program = [Insn.Mov64Imm(Reg.R0, 0), Insn.Alu64Imm(Bpf.ADD, Reg.R0, 1), Insn.JmpImm(Bpf.JLT, Reg.R0, 50_000, -2), Insn.ExitInsn()];
        Assert.Equal(50_000UL, Run(program, options: new JitOptions { Execution = new ExecutionOptions { InstructionBudget = 0 } }));
        var error = Assert.Throws<BpfRuntimeException>(() => Run(program, options: new JitOptions { Execution = new ExecutionOptions { InstructionBudget = 10_000 } }));
        Assert.Equal(RuntimeError.BudgetExceeded, error.Error);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Unbounded_recursion_hits_the_call_depth_limit(bool unchecked_)
    {
        // Function at 2 calls itself forever.
        Instruction[] program = [Insn.CallRel(1), Insn.ExitInsn(), Insn.CallRel(-1), Insn.ExitInsn()];
        var error = Assert.Throws<BpfRuntimeException>(() => Run(program, options: Mode(unchecked_)));
        Assert.Equal(RuntimeError.CallDepthExceeded, error.Error);
        Assert.Equal(2, error.ProgramCounter);
    }

    [Fact]
    public void Seven_nested_calls_are_allowed_and_preserve_callee_saved_registers()
    {
        // Each function stores to its own frame, calls the next one, and adds its frame's value: 8 frames in all.
        var program = new List<Instruction> { Insn.Mov64Imm(Reg.R6, 1000), Insn.Mov64Imm(Reg.R1, 0) };
        for (int level = 0; level < 8; level++)
        {
            if (level > 0) program.Add(Insn.Mov64Imm(Reg.R6, level)); // clobber r6 in callee
            program.Add(Insn.StMem(Bpf.DW, Reg.R10, -8, level + 1));
            if (level < 7) program.Add(Insn.CallRel(level == 0 ? 4 : 4));
            else program.Add(Insn.Mov64Imm(Reg.R0, 0));
            program.Add(Insn.LdxMem(Bpf.DW, Reg.R2, Reg.R10, -8));
            program.Add(Insn.Alu64Reg(Bpf.ADD, Reg.R0, Reg.R2));
            if (level == 0) program.Add(Insn.Alu64Reg(Bpf.ADD, Reg.R0, Reg.R6));
            program.Add(Insn.ExitInsn());
        }
        // Fix up call displacements to point at the next function's first instruction.
        var fixedUp = FixCalls(program);
        Assert.Equal(36UL + 1000, JitCompiler.Compile(Bytecode.FromInstructions(fixedUp)).Run([]));
    }

    private static List<Instruction> FixCalls(List<Instruction> program)
    {
        // Functions start after each exit; the n-th call goes to the start of function n + 1.
        var starts = new List<int> { 0 };
        for (int i = 0; i < program.Count - 1; i++)
            if (program[i] == Insn.ExitInsn()) starts.Add(i + 1);
        int call = 0;
        var result = new List<Instruction>(program);
        for (int i = 0; i < result.Count; i++)
            if (result[i].Opcode == (Bpf.JMP | Bpf.CALL) && result[i].Src == Bpf.PSEUDO_CALL)
                result[i] = Insn.CallRel(starts[++call] - i - 1);
        return result;
    }

    [Fact]
    public void Unknown_helper_fails_at_run_time()
    {
        var executable = Compile([Insn.EmitCall(4242), Insn.ExitInsn()]);
        var error = Assert.Throws<BpfRuntimeException>(() => executable.Run([]));
        Assert.Equal(RuntimeError.UnknownHelper, error.Error);
        Assert.Equal(0, error.ProgramCounter);
        Assert.Contains("4242", error.Message);
    }

    [Fact]
    public void Helpers_get_arguments_and_callx_calls_by_register()
    {
        var helpers = new HelperTable().Register(7, "weigh", (_, a, b, c, d, e) => a + 10 * b + 100 * c + 1000 * d + 10000 * e);
        Instruction[] program =
        [
            Insn.Mov64Imm(Reg.R1, 1), Insn.Mov64Imm(Reg.R2, 2), Insn.Mov64Imm(Reg.R3, 3), Insn.Mov64Imm(Reg.R4, 4), Insn.Mov64Imm(Reg.R5, 5),
            Insn.EmitCall(7), Insn.Mov64Reg(Reg.R6, Reg.R0),
            Insn.Mov64Imm(Reg.R8, 7), Insn.CallReg(Reg.R8), Insn.Alu64Reg(Bpf.ADD, Reg.R0, Reg.R6), Insn.ExitInsn(),
        ];
        Assert.Equal(2UL * 54321, Run(program, helpers: helpers));
    }

    [Fact]
    public void Unwinding_helper_ends_the_program_with_its_value_even_from_a_local_function()
    {
        var helpers = new HelperTable().Register(1, "stop", (context, r1, _, _, _, _) => { context.Stop(r1); return 999; });
        // main: r0 = 5; call f; r0 = 1 (never reached); exit.  f: r1 = 42; call stop; r0 = 7; exit.
        Instruction[] program =
        [
            Insn.Mov64Imm(Reg.R0, 5), Insn.CallRel(2), Insn.Mov64Imm(Reg.R0, 1), Insn.ExitInsn(),
            Insn.Mov64Imm(Reg.R1, 42), Insn.EmitCall(1), Insn.Mov64Imm(Reg.R0, 7), Insn.ExitInsn(),
        ];
        Assert.Equal(42UL, Run(program, helpers: helpers));
    }

    [Fact]
    public void Tail_call_replaces_the_program()
    {
        var next = Compile([Insn.Mov64Reg(Reg.R0, Reg.R2), Insn.Alu64Imm(Bpf.ADD, Reg.R0, 100), Insn.ExitInsn()]);
        var helpers = new HelperTable().Register(12, "tail_call", (context, _, _, _, _, _) => { context.RequestTailCall(next); return 0; });
        var first = Compile([Insn.EmitCall(12), Insn.Mov64Imm(Reg.R0, 1), Insn.ExitInsn()], helpers);
        Assert.Equal(103UL, first.Run(new byte[3]));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Legacy_packet_loads_are_big_endian_and_end_the_program_with_zero_when_out_of_bounds(bool unchecked_)
    {
        byte[] packet = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66];
        Assert.Equal(0x33445566UL, Run([Insn.LdAbs(Bpf.W, 2), Insn.ExitInsn()], packet, options: Mode(unchecked_)));
        Assert.Equal(0x2233UL, Run([Insn.Mov64Imm(Reg.R6, 1), Insn.LdInd(Bpf.H, Reg.R6, 0), Insn.ExitInsn()], packet, options: Mode(unchecked_)));
        Assert.Equal(0UL, Run([Insn.LdAbs(Bpf.W, 3), Insn.Mov64Imm(Reg.R0, 9), Insn.ExitInsn()], packet, options: Mode(unchecked_)));
        Assert.Equal(0UL, Run([Insn.Mov64Imm(Reg.R6, -1), Insn.LdInd(Bpf.B, Reg.R6, 0), Insn.Mov64Imm(Reg.R0, 9), Insn.ExitInsn()], packet, options: Mode(unchecked_)));
    }

    [Fact]
    public void Atomics_update_memory_and_fetch_old_values()
    {
        byte[] memory = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(memory, 10);
        BinaryPrimitives.WriteUInt32LittleEndian(memory.AsSpan(8), 0xf0);
        Instruction[] program =
        [
            Insn.Mov64Imm(Reg.R2, 5), Insn.AtomicOp(Bpf.DW, Bpf.ADD | Bpf.FETCH, Reg.R1, Reg.R2, 0), // r2 = 10, mem = 15
            Insn.Mov64Imm(Reg.R3, 0xff), Insn.AtomicOp(Bpf.W, Bpf.XOR, Reg.R1, Reg.R3, 8),          // mem32 = 0x0f
            Insn.Mov64Imm(Reg.R0, 15), Insn.Mov64Imm(Reg.R4, 99), Insn.AtomicOp(Bpf.DW, Bpf.CMPXCHG, Reg.R1, Reg.R4, 0), // r0 = 15, mem = 99
            Insn.Alu64Reg(Bpf.ADD, Reg.R0, Reg.R2), Insn.ExitInsn(),
        ];
        Assert.Equal(25UL, Run(program, memory));
        Assert.Equal(99UL, BinaryPrimitives.ReadUInt64LittleEndian(memory));
        Assert.Equal(0x0fU, BinaryPrimitives.ReadUInt32LittleEndian(memory.AsSpan(8)));
    }

    [Fact]
    public void Unchecked_mode_requires_the_explicit_unsafe_flag()
    {
        var code = Program(Insn.Mov64Imm(Reg.R0, 0), Insn.ExitInsn());
        Assert.Throws<ArgumentException>(() => JitCompiler.Compile(code, null, new JitOptions { MemoryMode = JitMemoryMode.Unchecked }));
    }

    [Fact]
    public void Btf_calls_are_refused_with_a_reason()
    {
        var code = Program(new Instruction((byte)(Bpf.JMP | Bpf.CALL), 0, Bpf.PSEUDO_KFUNC_CALL, 0, 17), Insn.ExitInsn());
        Assert.False(JitCompiler.TryCompile(code, null, null, out var executable, out string? reason));
        Assert.Null(executable);
        Assert.Contains("BTF", reason);
        Assert.Throws<JitCompileException>(() => JitCompiler.Compile(code));
    }

    [Fact]
    public void Jumps_between_functions_and_fall_through_into_a_function_are_refused_with_the_instruction()
    {
        // main jumps into the function that starts at 3.
        var crossing = Program(Insn.CallRel(1), Insn.JmpA(1), Insn.ExitInsn(), Insn.Mov64Imm(Reg.R0, 1), Insn.ExitInsn());
        Assert.False(JitCompiler.TryCompile(crossing, null, null, out _, out string? reason));
        Assert.StartsWith("instruction 1:", reason);
        // main's last instruction is not an exit, so it would run on into the function at 2.
        var fallThrough = Program(Insn.CallRel(0), Insn.Mov64Imm(Reg.R0, 1), Insn.Mov64Imm(Reg.R0, 2), Insn.ExitInsn());
        var error = Assert.Throws<JitCompileException>(() => JitCompiler.Compile(fallThrough));
        Assert.Contains("fall through", error.Message);
    }

    [Fact]
    public void Concurrent_runs_from_several_threads_are_independent()
    {
        // Sums the input bytes through a stack buffer, so threads would corrupt each other if they shared a stack.
        Instruction[] program =
        [
            Insn.Mov64Imm(Reg.R0, 0), Insn.Mov64Imm(Reg.R3, 0),
            Insn.JmpReg(Bpf.JGE, Reg.R3, Reg.R2, 8),
            Insn.Mov64Reg(Reg.R4, Reg.R1), Insn.Alu64Reg(Bpf.ADD, Reg.R4, Reg.R3), Insn.LdxMem(Bpf.B, Reg.R5, Reg.R4, 0),
            Insn.StxMem(Bpf.DW, Reg.R10, Reg.R5, -8), Insn.LdxMem(Bpf.DW, Reg.R5, Reg.R10, -8),
            Insn.Alu64Reg(Bpf.ADD, Reg.R0, Reg.R5), Insn.Alu64Imm(Bpf.ADD, Reg.R3, 1), Insn.JmpA(-9),
            Insn.ExitInsn(),
        ];
        var executable = Compile(program);
        var failures = 0;
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 4 }, worker =>
        {
            var random = new Random(worker);
            for (int i = 0; i < 2000; i++)
            {
                byte[] data = new byte[random.Next(1, 64)];
                random.NextBytes(data);
                ulong expected = (ulong)data.Sum(b => b);
                if (executable.Run(data) != expected) Interlocked.Increment(ref failures);
            }
        });
        Assert.Equal(0, failures);
    }
}

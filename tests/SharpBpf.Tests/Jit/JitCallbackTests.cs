using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Jit;
using SharpBpf.Runtime;
using static SharpBpf.Tests.Jit.JitTestSupport;

namespace SharpBpf.Tests.Jit;

/// <summary><c>lddw rX, func</c> and <see cref="RunContext.CallbackInvoker"/>: helpers calling back into compiled code.</summary>
public class JitCallbackTests
{
    public static TheoryData<string> Configurations => new() { "checked", "unchecked", "blinded", "split" };

    private static JitOptions Options(string configuration) => configuration switch
    {
        "unchecked" => Unchecked,
        "blinded" => new JitOptions { BlindConstants = true },
        "split" => new JitOptions { MaxRegionInstructions = 16 },
        _ => new JitOptions(),
    };

    private static HelperTable Standard() => StandardHelpers.Register(new HelperTable());

    private static Instruction[] LoadFunction(int dst, int lddwSlot, int target) =>
        Insn.LdImm64Raw(dst, (int)LoadImm64Source.CodeAddress, (uint)(target - lddwSlot - 1));

    /// <summary>
    /// sum = 0; bpf_loop(count, add_index, &amp;sum, 0); return sum * 1000 + loops. The callback adds its index
    /// to the caller's stack slot through the context pointer and stops when the sum passes <paramref name="stopAbove"/>.
    /// </summary>
    private static Instruction[] SumProgram(int count, int stopAbove, int padding = 0)
    {
        var main = new List<Instruction>
        {
            Insn.StMem(Bpf.DW, Reg.R10, -8, 0),
            Insn.Mov64Imm(Reg.R1, count),
        };
        for (int i = 0; i < padding; i++) main.Add(Insn.Mov64Imm(Reg.R6, i));
        int lddw = main.Count;
        main.AddRange(LoadFunction(Reg.R2, lddw, 0)); // patched below
        main.AddRange([
            Insn.Mov64Reg(Reg.R3, Reg.R10), Insn.Alu64Imm(Bpf.ADD, Reg.R3, -8),
            Insn.Mov64Imm(Reg.R4, 0),
            Insn.EmitCall(HelperIds.Loop),
            Insn.LdxMem(Bpf.DW, Reg.R6, Reg.R10, -8),
            Insn.Alu64Imm(Bpf.MUL, Reg.R6, 1000),
            Insn.Alu64Reg(Bpf.ADD, Reg.R0, Reg.R6),
            Insn.ExitInsn(),
        ]);
        int callback = main.Count;
        var patched = LoadFunction(Reg.R2, lddw, callback);
        main[lddw] = patched[0];
        main[lddw + 1] = patched[1];
        main.AddRange([
            // r1 = index, r2 = &sum
            Insn.LdxMem(Bpf.DW, Reg.R3, Reg.R2, 0),
            Insn.Alu64Reg(Bpf.ADD, Reg.R3, Reg.R1),
            Insn.StxMem(Bpf.DW, Reg.R2, Reg.R3, 0),
            Insn.Mov64Imm(Reg.R0, 0),
            Insn.JmpImm(Bpf.JLE, Reg.R3, stopAbove, 1),
            Insn.Mov64Imm(Reg.R0, 1),
            Insn.ExitInsn(),
        ]);
        return [.. main];
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Bpf_loop_calls_the_compiled_callback(string configuration)
    {
        var executable = JitCompiler.Compile(Program(SumProgram(10, 1_000_000, padding: 20)), Standard(), Options(configuration));
        Assert.Equal(45UL * 1000 + 10, executable.Run([]));
        // Stop early: indexes 0..5 sum to 15 > 12, so six iterations.
        var stopping = JitCompiler.Compile(Program(SumProgram(10, 12)), Standard(), Options(configuration));
        Assert.Equal(15UL * 1000 + 6, stopping.Run([]));
    }

    [Fact]
    public void Callback_value_is_the_shared_tagged_encoding()
    {
        var program = new List<Instruction>(LoadFunction(Reg.R0, 0, 3)) { Insn.ExitInsn(), Insn.Mov64Imm(Reg.R0, 0), Insn.ExitInsn() };
        ulong value = JitCompiler.Compile(Program([.. program])).Run([]);
        Assert.True(RunContext.TryDecodeCallback(value, out int slot));
        Assert.Equal(3, slot);
        Assert.Equal(0xCA11_BAC0_0000_0003UL, value);
    }

    [Fact]
    public void A_value_that_is_not_a_callback_entry_is_refused()
    {
        // bpf_loop(1, r2 = encoded slot 1 — an instruction, but not a function whose address was taken).
        var program = new List<Instruction>
        {
            Insn.Mov64Imm(Reg.R1, 1),
        };
        program.AddRange(Insn.LdImm64(Reg.R2, RunContext.EncodeCallback(1)));
        program.AddRange([Insn.Mov64Imm(Reg.R3, 0), Insn.Mov64Imm(Reg.R4, 0), Insn.EmitCall(HelperIds.Loop), Insn.ExitInsn()]);
        program.AddRange(LoadFunction(Reg.R0, program.Count, program.Count + 3));
        program.AddRange([Insn.ExitInsn(), Insn.Mov64Imm(Reg.R0, 0), Insn.ExitInsn()]);
        var error = Assert.Throws<BpfRuntimeException>(() => JitCompiler.Compile(Program([.. program]), Standard()).Run([]));
        Assert.Equal(RuntimeError.HelperFault, error.Error);
    }

    [Fact]
    public void Callbacks_nesting_past_the_limit_fail_with_call_depth_exceeded()
    {
        // The callback calls bpf_loop on itself: unbounded nesting.
        var program = new List<Instruction> { Insn.Mov64Imm(Reg.R1, 1) };
        program.AddRange(LoadFunction(Reg.R2, 1, 0)); // patched: callback at slot 3
        program.AddRange([Insn.Mov64Imm(Reg.R3, 0), Insn.Mov64Imm(Reg.R4, 0), Insn.EmitCall(HelperIds.Loop), Insn.ExitInsn()]);
        int callback = program.Count;
        var patched = LoadFunction(Reg.R2, 1, callback);
        program[1] = patched[0];
        program[2] = patched[1];
        program.Add(Insn.Mov64Imm(Reg.R1, 1));
        program.AddRange(LoadFunction(Reg.R2, program.Count, callback));
        program.AddRange([Insn.Mov64Imm(Reg.R3, 0), Insn.Mov64Imm(Reg.R4, 0), Insn.EmitCall(HelperIds.Loop), Insn.Mov64Imm(Reg.R0, 0), Insn.ExitInsn()]);
        var executable = JitCompiler.Compile(Program([.. program]), Standard());
        var error = Assert.Throws<BpfRuntimeException>(() => executable.Run([]));
        Assert.Equal(RuntimeError.CallDepthExceeded, error.Error);
        // The depth count unwound with the exception: a good program runs afterwards on the same thread.
        Assert.Equal(45UL * 1000 + 10, JitCompiler.Compile(Program(SumProgram(10, 1_000_000)), Standard()).Run([]));
    }

    [Fact]
    public void A_jump_target_of_lddw_func_outside_the_program_is_refused_at_compile_time()
    {
        var program = new List<Instruction>(LoadFunction(Reg.R0, 0, 40)) { Insn.ExitInsn() };
        var error = Assert.Throws<JitCompileException>(() => JitCompiler.Compile(Program([.. program])));
        Assert.Equal(0, error.ProgramCounter);
    }
}

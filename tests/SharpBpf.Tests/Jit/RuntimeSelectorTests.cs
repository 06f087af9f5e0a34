using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Jit;
using SharpBpf.Runtime;

namespace SharpBpf.Tests.Jit;

public class RuntimeSelectorTests
{
    /// <summary>Stands in for the interpreter (merged later): records that it was chosen and returns r2 + 1.</summary>
    private sealed class RecordingEngine(Bytecode code, HelperTable? helpers, ExecutionOptions? options)
        : BpfExecutable(code, helpers ?? new HelperTable(), options)
    {
        public override string EngineName => "recording";
        protected internal override ulong Execute(RunContext context, ulong r1, ulong r2) => r2 + 1;
    }

    private static int s_created;
    private static BpfExecutable Factory(Bytecode code, HelperTable? helpers, ExecutionOptions? options)
    {
        Interlocked.Increment(ref s_created);
        return new RecordingEngine(code, helpers, options);
    }

    private static readonly Bytecode s_simple = Bytecode.FromInstructions([Insn.Mov64Reg(Reg.R0, Reg.R2), Insn.ExitInsn()]);
    private static readonly Bytecode s_kfunc = Bytecode.FromInstructions(
        [new Instruction((byte)(Bpf.JMP | Bpf.CALL), 0, Bpf.PSEUDO_KFUNC_CALL, 0, 3), Insn.ExitInsn()]);

    [Fact]
    public void Auto_prefers_the_jit()
    {
        var selected = RuntimeSelector.Select(s_simple, null, EngineChoice.Auto, Factory);
        Assert.Equal("jit", selected.Executable.EngineName);
        Assert.Null(selected.FallbackReason);
        Assert.Equal(4UL, selected.Executable.Run(new byte[4]));
    }

    [Fact]
    public void Auto_falls_back_to_the_interpreter_and_records_why()
    {
        var selected = RuntimeSelector.Select(s_kfunc, null, EngineChoice.Auto, Factory);
        Assert.Equal("recording", selected.Executable.EngineName);
        Assert.NotNull(selected.FallbackReason);
        Assert.Contains("BTF", selected.FallbackReason);
        Assert.Contains("instruction 0", selected.FallbackReason);
    }

    [Fact]
    public void Jit_choice_reports_the_compile_error_instead_of_falling_back()
    {
        int before = s_created;
        var error = Assert.Throws<JitCompileException>(() => RuntimeSelector.Select(s_kfunc, null, EngineChoice.Jit, Factory));
        Assert.Equal(0, error.ProgramCounter);
        Assert.Equal(before, s_created);
    }

    [Fact]
    public void Interpreter_choice_forces_the_interpreter()
    {
        var selected = RuntimeSelector.Select(s_simple, null, EngineChoice.Interpreter, Factory);
        Assert.Equal("recording", selected.Executable.EngineName);
        Assert.Null(selected.FallbackReason);
        Assert.Equal(8UL, selected.Executable.Run(new byte[7]));
    }

    [Fact]
    public void Fallback_without_a_factory_is_a_clear_error()
    {
        var error = Assert.Throws<InvalidOperationException>(() => RuntimeSelector.Select(s_kfunc, null, EngineChoice.Auto, null));
        Assert.Contains("BTF", error.Message);
    }
}

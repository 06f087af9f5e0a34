using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Jit;
using SharpBpf.Runtime;

namespace SharpBpf.Tests.Jit;

public class RuntimeSelectorTests
{
    private static readonly Bytecode s_simple = Bytecode.FromInstructions([Insn.Mov64Reg(Reg.R0, Reg.R2), Insn.ExitInsn()]);
    private static readonly Bytecode s_kfunc = Bytecode.FromInstructions(
        [new Instruction((byte)(Bpf.JMP | Bpf.CALL), 0, Bpf.PSEUDO_KFUNC_CALL, 0, 3), Insn.ExitInsn()]);

    [Fact]
    public void Auto_prefers_the_jit()
    {
        var selected = RuntimeSelector.Select(s_simple, null, EngineChoice.Auto);
        Assert.Equal("jit", selected.Executable.EngineName);
        Assert.Null(selected.FallbackReason);
        Assert.Equal(4UL, selected.Executable.Run(new byte[4]));
    }

    [Fact]
    public void Auto_falls_back_to_the_interpreter_and_records_why()
    {
        var selected = RuntimeSelector.Select(s_kfunc, null, EngineChoice.Auto);
        Assert.Equal("interpreter", selected.Executable.EngineName);
        Assert.NotNull(selected.FallbackReason);
        Assert.Contains("BTF", selected.FallbackReason);
        Assert.Contains("instruction 0", selected.FallbackReason);
    }

    [Fact]
    public void Jit_choice_reports_the_compile_error_instead_of_falling_back()
    {
        var error = Assert.Throws<JitCompileException>(() => RuntimeSelector.Select(s_kfunc, null, EngineChoice.Jit));
        Assert.Equal(0, error.ProgramCounter);
    }

    [Fact]
    public void Interpreter_choice_forces_the_interpreter()
    {
        var selected = RuntimeSelector.Select(s_simple, null, EngineChoice.Interpreter);
        Assert.Equal("interpreter", selected.Executable.EngineName);
        Assert.Null(selected.FallbackReason);
        Assert.Equal(7UL, selected.Executable.Run(new byte[7]));
    }
}

using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Jit;

namespace SharpBpf.Tests.Jit;

internal static class JitTestSupport
{
    public static readonly JitOptions Unchecked = new() { MemoryMode = JitMemoryMode.Unchecked, UnsafeSkipBoundsChecks = true };

    public static Bytecode Program(params Instruction[] instructions) => Bytecode.FromInstructions(instructions);

    public static JitExecutable Compile(Instruction[] instructions, HelperTable? helpers = null, JitOptions? options = null) =>
        JitCompiler.Compile(Program(instructions), helpers, options);

    public static ulong Run(Instruction[] instructions, byte[]? memory = null, HelperTable? helpers = null, JitOptions? options = null) =>
        Compile(instructions, helpers, options).Run(memory ?? []);
}

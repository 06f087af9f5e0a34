using SharpBpf.Isa;
using SharpBpf.Jit;

namespace SharpBpf.Tests.Conformance;

/// <summary>Every bpf_conformance case on the JIT: checked, unchecked, and checked with constant blinding.</summary>
public class JitConformanceTests
{
    public static readonly JitOptions CheckedMode = new();
    public static readonly JitOptions UncheckedMode = new() { MemoryMode = JitMemoryMode.Unchecked, UnsafeSkipBoundsChecks = true };
    public static readonly JitOptions Blinded = new() { BlindConstants = true };

    [Theory]
    [MemberData(nameof(ConformanceData.Names), MemberType = typeof(ConformanceData))]
    public void Checked(string name) => RunCase(name, CheckedMode);

    [Theory]
    [MemberData(nameof(ConformanceData.Names), MemberType = typeof(ConformanceData))]
    public void Unchecked(string name) => RunCase(name, UncheckedMode);

    [Theory]
    [MemberData(nameof(ConformanceData.Names), MemberType = typeof(ConformanceData))]
    public void Blinding(string name) => RunCase(name, Blinded);

    private static void RunCase(string name, JitOptions options)
    {
        var test = ConformanceData.Get(name);
        var code = Bytecode.Decode(test.Program);
        var executable = JitCompiler.Compile(code, ConformanceData.Helpers(), options);
        Assert.Equal("jit", executable.EngineName);
        byte[] memory = (byte[])test.Memory.Clone();
        Assert.NotNull(test.ExpectedResult);
        ulong result = executable.Run(memory);
        Assert.Equal(test.ExpectedResult!.Value, result);
    }
}

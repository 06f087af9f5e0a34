using SharpBpf.Isa;
using SharpBpf.Jit;
using SharpBpf.Tests.Conformance;

namespace SharpBpf.Tests.Jit;

/// <summary>
/// The conformance suite again with the smallest region size, so every case longer than 16 instructions runs
/// as a split function (register file handed between region methods, cross-region jumps through the dispatcher).
/// </summary>
public class JitRegionSplitConformanceTests
{
    private static readonly JitOptions s_tinyRegions = new() { MaxRegionInstructions = 16 };

    [Theory]
    [MemberData(nameof(ConformanceData.Names), MemberType = typeof(ConformanceData))]
    public void Split_into_16_instruction_regions(string name)
    {
        var test = ConformanceData.Get(name);
        var executable = JitCompiler.Compile(Bytecode.Decode(test.Program), ConformanceData.Helpers(), s_tinyRegions);
        Assert.Equal(test.ExpectedResult, executable.Run((byte[])test.Memory.Clone()));
    }
}

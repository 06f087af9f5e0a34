using SharpBpf.Isa;

namespace SharpBpf.Tests.Conformance;

/// <summary>Every bpf_conformance case on the interpreter: r1 = memory, r2 = its length, helper 5 = unwind.</summary>
public class InterpreterConformanceTests
{
    [Theory]
    [MemberData(nameof(ConformanceData.Names), MemberType = typeof(ConformanceData))]
    public void Case_passes(string name)
    {
        var test = ConformanceData.Get(name);
        byte[] memory = (byte[])test.Memory.Clone();
        ulong Run() => new SharpBpf.Interpreter.Interpreter(Bytecode.Decode(test.Program), ConformanceData.Helpers()).Run(memory);

        if (test.ExpectedError is not null)
        {
            // Rejection at decode time or a fault at run time both count.
            Assert.ThrowsAny<BpfException>(() => Run());
            return;
        }
        Assert.Equal(test.ExpectedResult!.Value, Run());
    }
}

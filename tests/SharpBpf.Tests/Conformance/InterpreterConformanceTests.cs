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
        var interpreter = new SharpBpf.Interpreter.Interpreter(Bytecode.Decode(test.Program), ConformanceData.Helpers());
        byte[] memory = (byte[])test.Memory.Clone();

        if (test.ExpectedError is not null)
        {
            Assert.ThrowsAny<BpfException>(() => interpreter.Run(memory));
            return;
        }
        Assert.Equal(test.ExpectedResult!.Value, interpreter.Run(memory));
    }
}

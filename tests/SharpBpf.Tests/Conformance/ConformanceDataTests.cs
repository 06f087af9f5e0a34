namespace SharpBpf.Tests.Conformance;

public class ConformanceDataTests
{
    [Fact]
    public void Suite_is_present_and_complete()
    {
        Assert.Equal(313, ConformanceData.Cases.Count);
        Assert.All(ConformanceData.Cases, c => Assert.True(c.Program.Length > 0 && c.Program.Length % 8 == 0, c.Name));
        Assert.All(ConformanceData.Cases, c => Assert.True(c.ExpectedResult is not null || c.ExpectedError is not null, c.Name));
    }
}

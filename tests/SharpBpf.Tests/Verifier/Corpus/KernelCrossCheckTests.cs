using Xunit.Abstractions;

namespace SharpBpf.Tests.Verifier.Corpus;

/// <summary>
/// Checks the corpus expectations against the real Linux verifier of the machine running the tests (when root):
/// every loadable case must be accepted or rejected by Linux exactly as its header says. Cases marked
/// <c>; kernel: skip</c> (spin locks without BTF, unprivileged mode, the raw memory type) are not loadable as written.
/// Prints why and passes trivially when the kernel cannot be used.
/// </summary>
public class KernelCrossCheckTests(ITestOutputHelper output)
{
    [Fact]
    public void CorpusVerdictsMatchTheLinuxVerifier()
    {
        if (LinuxKernelVerifier.Availability is { } reason)
        {
            output.WriteLine("skipped: " + reason);
            return;
        }
        var mismatches = new List<string>();
        int checkedCases = 0, indexDifferences = 0;
        foreach (var c in CorpusCase.All.Where(c => c.KernelLoadable && c.Privileged))
        {
            var verdict = LinuxKernelVerifier.Load(c.Instructions(), c.ProgramType, c.Maps, withLog: false);
            if (!verdict.Accepted) verdict = LinuxKernelVerifier.Load(c.Instructions(), c.ProgramType, c.Maps, withLog: true);
            checkedCases++;
            if (verdict.Accepted != c.ExpectAccept)
            {
                string last = LinuxKernelVerifier.Message(verdict.Log);
                mismatches.Add($"{c.Id}: expected {(c.ExpectAccept ? "accept" : "reject")}, Linux {(verdict.Accepted ? "accepts" : $"rejects (errno {verdict.Errno}): {last}")}");
            }
            else if (!verdict.Accepted && !c.ExpectDecodeError && c.ExpectIndex is int index && verdict.Index != index)
            {
                indexDifferences++;
                output.WriteLine($"{c.Id}: Linux rejects at {verdict.Index?.ToString() ?? "?"}, corpus says {index}: {LinuxKernelVerifier.Message(verdict.Log)}");
            }
        }
        output.WriteLine($"{checkedCases} corpus cases checked against Linux {Environment.OSVersion.Version}; {mismatches.Count} verdict mismatches, {indexDifferences} index differences");
        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches));
    }
}

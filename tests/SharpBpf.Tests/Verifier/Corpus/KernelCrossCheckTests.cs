using Xunit.Abstractions;

namespace SharpBpf.Tests.Verifier.Corpus;

/// <summary>
/// Checks the corpus expectations against the real Linux verifier of the machine running the tests (when root):
/// every loadable case must be accepted or rejected by Linux exactly as its header says, and rejected at the same
/// instruction wherever Linux's log names one. Cases marked
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
        int checkedCases = 0, withoutLinuxIndex = 0;
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
            else if (!verdict.Accepted && !c.ExpectDecodeError && c.ExpectIndex is int index)
            {
                // Some rejections (CFG checks before exploration, a bad helper id) carry no instruction in Linux's log.
                if (verdict.Index is not int linuxIndex)
                {
                    withoutLinuxIndex++;
                    output.WriteLine($"{c.Id}: Linux names no instruction, corpus says {index}: {LinuxKernelVerifier.Message(verdict.Log)}");
                }
                else if (linuxIndex != index)
                {
                    mismatches.Add($"{c.Id}: Linux rejects at instruction {linuxIndex}, the corpus (and SharpBpf) at {index}: {LinuxKernelVerifier.Message(verdict.Log)}");
                }
            }
        }
        output.WriteLine($"{checkedCases} corpus cases checked against Linux {Environment.OSVersion.Version}; {mismatches.Count} mismatches of verdict or reject index, {withoutLinuxIndex} rejections Linux names no instruction for");
        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches));
    }
}

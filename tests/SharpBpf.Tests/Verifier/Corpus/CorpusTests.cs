using SharpBpf.Isa;
using SharpBpf.Verifier;

namespace SharpBpf.Tests.Verifier.Corpus;

/// <summary>
/// Runs every case of <c>tests/verifier/**.s</c> through <see cref="BpfVerifier"/> and checks its verdict, rejected
/// instruction, error kind and reason. Cases listed in <c>tests/verifier/known-deviations.txt</c> must still deviate
/// (so that a fix is noticed and the list shrinks); "hang" entries are not run.
/// </summary>
public class CorpusTests
{
    private static readonly Dictionary<string, (bool Hang, string Why)> KnownDeviations = File
        .ReadAllLines(Path.Combine(CorpusCase.Root, "known-deviations.txt"))
        .Where(l => l.Length > 0 && !l.StartsWith('#'))
        .Select(l => l.Split('|', StringSplitOptions.TrimEntries))
        .ToDictionary(p => p[0], p => (p[1] == "hang", string.Join(" / ", p.Skip(1))));

    [Fact]
    public void CorpusHasEnoughCasesOfEachVerdict()
    {
        Assert.True(CorpusCase.All.Count >= 300, $"only {CorpusCase.All.Count} cases");
        Assert.True(CorpusCase.All.Count(c => c.ExpectAccept) >= 100);
        Assert.True(CorpusCase.All.Count(c => !c.ExpectAccept) >= 100);
        Assert.All(KnownDeviations.Keys, id => Assert.Contains(CorpusCase.All, c => c.Id == id));
    }

    [Theory]
    [MemberData(nameof(CorpusCase.Ids), MemberType = typeof(CorpusCase))]
    public async Task VerdictMatchesTheCorpus(string id)
    {
        var c = CorpusCase.ById(id);
        bool known = KnownDeviations.TryGetValue(id, out var deviation);
        if (known && deviation.Hang) return; // documented in known-deviations.txt; running it would only burn a core
        string? mismatch = await Check(c);
        if (known) Assert.True(mismatch is not null, $"{id} now matches Linux: remove it from tests/verifier/known-deviations.txt");
        else Assert.True(mismatch is null, mismatch);
    }

    private static async Task<string?> Check(CorpusCase c)
    {
        Bytecode code;
        try
        {
            code = Bytecode.FromInstructions(c.Instructions());
        }
        catch (BpfDecodeException decode)
        {
            if (!c.ExpectDecodeError) return $"{c.Id}: unexpected decode error: {decode.Message}";
            if (c.ExpectKind != "decode:" + decode.Error) return $"{c.Id}: expected {c.ExpectKind}, got decode:{decode.Error}";
            return c.ExpectIndex is int at && at != decode.InstructionIndex ? $"{c.Id}: expected decode error at {at}, got {decode.InstructionIndex}" : null;
        }
        if (c.ExpectDecodeError) return $"{c.Id}: expected {c.ExpectKind} but the bytecode is valid";

        var input = new VerifierInput(code, c.ProgramType, c.Maps, CorpusCase.Helpers());
        var options = new VerifierOptions { Privileged = c.Privileged, LogLevel = 1 };
        // A verifier that never returns is a bug the suite must report, not wait for.
        var verification = Task.Factory.StartNew(() => BpfVerifier.Verify(input, options), TaskCreationOptions.LongRunning);
        if (await Task.WhenAny(verification, Task.Delay(TimeSpan.FromSeconds(60))) != verification)
            return $"{c.Id}: the verifier did not finish within 60 s";
        var result = await verification;
        if (c.ExpectAccept)
            return result.Accepted ? null : $"{c.Id}: expected accept, rejected: {result.Error}\n{Tail(result.Log)}";
        if (result.Accepted) return $"{c.Id}: expected reject {c.ExpectIndex?.ToString() ?? "*"} {c.ExpectKind}, but accepted\n{Tail(result.Log)}";
        var error = result.Error!;
        if (error.Kind.ToString() != c.ExpectKind) return $"{c.Id}: expected {c.ExpectKind}, got {error.Kind}: {error}";
        if (c.ExpectIndex is int index && index != error.InstructionIndex) return $"{c.Id}: expected instruction {index}, got {error}";
        if (c.ExpectReason is string reason && !error.Reason.Contains(reason, StringComparison.Ordinal))
            return $"{c.Id}: expected the reason to mention \"{reason}\", got {error}";
        return null;
    }

    private static string Tail(string log) => string.Join('\n', log.Split('\n').TakeLast(12));
}

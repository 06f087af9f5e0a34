using SharpBpf.Elf;
using SharpBpf.Verifier;

namespace SharpBpf.Tests.Verifier;

/// <summary>Every program clang compiled into the fixtures is safe and must be accepted (no false rejections).</summary>
public class FixtureVerificationTests : VerifierTestBase
{
    private static string FixtureDirectory()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "tests", "fixtures"))) dir = dir.Parent;
        return Path.Combine(dir!.FullName, "tests", "fixtures");
    }

    public static TheoryData<string> Objects()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(FixtureDirectory(), "*.o").OrderBy(f => f, StringComparer.Ordinal))
        {
            // external_call.o calls an undefined external function: the ELF loader refuses it, by design.
            if (Path.GetFileName(file) != "external_call.o") data.Add(Path.GetFileName(file));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Objects))]
    public void CompiledProgramsAreAccepted(string file)
    {
        var obj = BpfObject.LoadFile(Path.Combine(FixtureDirectory(), file));
        Assert.NotEmpty(obj.Programs);
        var maps = obj.Maps;
        foreach (var program in obj.Programs)
        {
            var input = new VerifierInput(program.Bytecode, program.Type, maps, Helpers)
            {
                SourceLine = pc => program.SourceLineAt(pc)?.ToString(),
            };
            var result = BpfVerifier.Verify(input, new VerifierOptions { LogLevel = 1 });
            if (DeliberatelyUnsafe.TryGetValue((file, program.Name), out var expected))
            {
                // Written to exercise runtime faults: the verifier must catch them before they run.
                Assert.False(result.Accepted, $"{file}:{program.Name} is unsafe by design but was accepted");
                Assert.Contains(expected, result.Error!.Reason);
                continue;
            }
            Assert.True(result.Accepted, $"{file}:{program.Name} ({program.Type}) rejected: {result.Error}\n{Tail(result.Log)}");
        }
    }

    /// <summary>Fixture programs that misbehave on purpose (runtime-fault tests), with what the rejection must say.</summary>
    private static readonly Dictionary<(string File, string Program), string> DeliberatelyUnsafe = new()
    {
        [("text_only.o", "write_rodata")] = "read-only",
        [("text_only.o", "forged_map")] = "map",
    };

    /// <summary>The standard helpers plus bpf_skb_load_bytes (26), which socket_filter.c calls, with its kernel prototype.</summary>
    private static readonly SharpBpf.Helpers.HelperTable Helpers = SharpBpf.Helpers.StandardHelpers.Register(new SharpBpf.Helpers.HelperTable())
        .Register(26, "skb_load_bytes", new SharpBpf.Helpers.HelperPrototype(SharpBpf.Helpers.HelperReturn.Integer,
            SharpBpf.Helpers.HelperArgument.Context, SharpBpf.Helpers.HelperArgument.Anything,
            SharpBpf.Helpers.HelperArgument.UninitializedMemory, SharpBpf.Helpers.HelperArgument.ConstSize),
            (_, _, _, _, _, _) => 0);

    private static string Tail(string log) => log.Length > 3000 ? log[^3000..] : log;
}

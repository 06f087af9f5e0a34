using System.Collections.Concurrent;
using System.Text;
using SharpBpf.Asm;
using SharpBpf.Isa;
using SharpBpf.Jit;
using SharpBpf.Runtime;
using Xunit.Abstractions;

namespace SharpBpf.Tests.Differential;

/// <summary>
/// Differential testing: random valid, terminating programs (<see cref="ProgramGenerator"/>) must give the same r0,
/// the same input buffer afterwards, and the same fault (kind and pc) on the interpreter and on the JIT in every
/// configuration (checked, unchecked, blinded, split into small regions).
/// <para>
/// Environment: <c>SHARPBPF_DIFF_PROGRAMS</c> (default 2000; e.g. 1000000 for a long run) and
/// <c>SHARPBPF_DIFF_SEED</c> (the first seed; programs use seeds SEED, SEED+1, ...). A failure prints each failing
/// program's seed: <c>SHARPBPF_DIFF_SEED=&lt;seed&gt; SHARPBPF_DIFF_PROGRAMS=1 dotnet test tests/SharpBpf.Tests -c Release
/// --filter FullyQualifiedName~InterpreterJitDifferential</c> replays it alone.
/// </para>
/// </summary>
public class InterpreterJitDifferentialTests(ITestOutputHelper output)
{
    private const int DefaultPrograms = 2000;
    private const int DefaultSeed = 1;
    private const int MaxReported = 5;

    private static readonly (string Name, JitOptions Options)[] s_configurations =
    [
        ("checked", new JitOptions()),
        ("unchecked", new JitOptions { MemoryMode = JitMemoryMode.Unchecked, UnsafeSkipBoundsChecks = true }),
        ("blinded", new JitOptions { BlindConstants = true }),
        ("split", new JitOptions { MaxRegionInstructions = 16 }),
    ];

    /// <summary>What a run left behind: r0 or the fault, and the buffer.</summary>
    private sealed record Outcome(string Result, byte[] Memory)
    {
        public bool SameAs(Outcome other) => Result == other.Result && Memory.AsSpan().SequenceEqual(other.Memory);
        public override string ToString() => $"{Result}; memory {Convert.ToHexString(Memory)}";
    }

    private static Outcome Execute(BpfExecutable executable, byte[] initial)
    {
        var memory = (byte[])initial.Clone();
        try
        {
            return new Outcome($"r0 = 0x{executable.Run(memory):x}", memory);
        }
        catch (BpfRuntimeException e)
        {
            return new Outcome($"fault {e.Error} at pc {e.ProgramCounter}", memory);
        }
        catch (Exception e)
        {
            return new Outcome($"host exception {e.GetType().Name}: {e.Message}", memory);
        }
    }

    /// <summary>Runs one program everywhere; null when all agree, else the report.</summary>
    internal static string? Check(int seed)
    {
        var program = ProgramGenerator.Generate(seed);
        var expected = Execute(new SharpBpf.Interpreter.Interpreter(program.Code), program.Memory);
        var report = new StringBuilder();
        foreach (var (name, options) in s_configurations)
        {
            if (program.OutOfBounds && options.MemoryMode == JitMemoryMode.Unchecked) continue;
            Outcome actual;
            try
            {
                actual = Execute(JitCompiler.Compile(program.Code, null, options), program.Memory);
            }
            catch (Exception e)
            {
                actual = new Outcome($"compile failed {e.GetType().Name}: {e.Message}", program.Memory);
            }
            if (!actual.SameAs(expected)) report.AppendLine($"  jit {name}: {actual}");
        }
        if (report.Length == 0) return null;
        return $"SHARPBPF_DIFF_SEED={seed} SHARPBPF_DIFF_PROGRAMS=1 ({program.Code.Length} slots, input {program.Memory.Length} bytes{(program.OutOfBounds ? ", has an out-of-bounds access" : "")})\n" +
               $"  interpreter: {expected}\n{report}" +
               $"  program:\n{Disassembler.Disassemble(program.Code, AsmSyntax.Llvm)}";
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out int value) ? value : fallback;

    [Fact]
    public void Interpreter_and_jit_agree_on_random_programs()
    {
        int count = Setting("SHARPBPF_DIFF_PROGRAMS", DefaultPrograms);
        int first = Setting("SHARPBPF_DIFF_SEED", DefaultSeed);
        var failures = new ConcurrentQueue<string>();
        int failed = 0;
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, (i, state) =>
        {
            if (Check(unchecked(first + i)) is not { } failure) return;
            if (Interlocked.Increment(ref failed) <= MaxReported) failures.Enqueue(failure);
        });
        foreach (var failure in failures) output.WriteLine(failure);
        Assert.True(failed == 0, $"{failed} of {count} programs diverged (first seed {first}); replay each alone:\n{string.Join("\n", failures)}");
    }

    [Fact]
    public void Generated_programs_cover_every_targeted_form()
    {
        var wanted = ProgramGenerator.CoveredForms.ToHashSet();
        Assert.Equal(20, wanted.Count(f => f.IsAtomic));
        var seen = new HashSet<InstructionForm>();
        bool faulting = false;
        for (int seed = DefaultSeed; seed < DefaultSeed + 400; seed++)
        {
            var program = ProgramGenerator.Generate(seed);
            faulting |= program.OutOfBounds;
            for (int pc = 0; pc < program.Code.Length; pc++)
                if (program.Code.FormAt(pc) is { } form) seen.Add(form);
        }
        Assert.Empty(wanted.Except(seen).Select(f => f.ToString()));
        Assert.True(faulting);
    }

    [Fact]
    public void Generated_programs_are_deterministic_and_terminate_on_the_interpreter()
    {
        for (int seed = DefaultSeed; seed < DefaultSeed + 200; seed++)
        {
            var a = ProgramGenerator.Generate(seed);
            var b = ProgramGenerator.Generate(seed);
            Assert.Equal(a.Code.Instructions.ToArray(), b.Code.Instructions.ToArray());
            Assert.Equal(a.Memory, b.Memory);
            if (a.OutOfBounds) continue;
            // Valid programs never fault (a legacy packet load past the end is an exit, not a fault).
            var outcome = Execute(new SharpBpf.Interpreter.Interpreter(a.Code), a.Memory);
            Assert.StartsWith("r0 = ", outcome.Result);
        }
    }
}

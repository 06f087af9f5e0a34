using SharpBpf.Examples.Skeleton;
using SharpBpf.Jit;
using SharpBpf.Loader;
using SharpBpf.ProgramTypes;
using SharpBpf.Runtime;
using SharpBpf.Skeleton;
using SharpBpf.Tests.ProgramTypes;
using SharpBpf.Tests.Skeleton.Generated;
using SharpBpf.Verifier;

namespace SharpBpf.Tests.Skeleton;

/// <summary>Skeletons load through <see cref="LoadedObject"/>: verified by default, maps, references and globals from the loader.</summary>
public class SkeletonLoadingTests
{
    private static readonly SkeletonOptions Trusted = new() { Verify = false };

    public static IEnumerable<object[]> Engines() => [[EngineChoice.Interpreter], [EngineChoice.Jit]];

    [Fact]
    public void Committed_test_skeleton_is_up_to_date()
    {
        string expected = SkeletonGenerator.Generate(Elf.Fixtures.Bytes("text_only"), "text_only.o",
            new SkeletonGeneratorOptions { Namespace = "SharpBpf.Tests.Skeleton.Generated", ClassName = "TextOnlySkeleton" });
        string path = Path.Combine(Elf.Fixtures.Directory, "..", "SharpBpf.Tests", "Skeleton", "TextOnlySkeleton.g.cs");
        Assert.Equal(expected, File.ReadAllText(path));
        Assert.Contains("BpfVerifierException", expected);
    }

    [Fact]
    public void A_skeleton_with_an_unsafe_program_fails_to_load_with_the_verifiers_message()
    {
        Assert.True(new SkeletonOptions().Verify);
        Assert.True(new SkeletonOptions().ToLoadOptions().Verify);
        var e = Assert.Throws<BpfVerifierException>(() => new TextOnlySkeleton());
        // The loader's exception, as LoadedObject.Load throws it: program, instruction, reason and source line.
        Assert.Contains("program 'write_rodata' (.text)", e.Message);
        Assert.Contains("read-only", e.Error.Reason);
        Assert.True(e.Error.InstructionIndex >= 0);
        Assert.Contains($"instruction {e.Error.InstructionIndex} ", e.Message);
        Assert.Equal("./text_only.c:37:38: *(volatile __u32 *)&scale_factor = memory[0];", e.Error.SourceLocation);
        Assert.Contains("text_only.c:37", e.Message);
        var direct = Assert.Throws<BpfVerifierException>(() => LoadedObject.Load(TextOnlySkeleton.ElfBytes));
        Assert.Equal(direct.Message, e.Message);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void A_trusted_skeleton_runs_raw_memory_programs_with_maps_and_globals(EngineChoice engine)
    {
        using var skeleton = new TextOnlySkeleton(Trusted with { Engine = engine });
        Assert.All(skeleton.Programs, program => Assert.False(program.IsVerified));
        Assert.Equal(engine == EngineChoice.Jit ? "jit" : "interpreter", skeleton.SumBytes.Executable.EngineName);
        Assert.Equal(3u, skeleton.ScaleFactor.Value);  // .rodata initial value, from the loader's global data map
        Assert.Equal(0u, skeleton.Calls.Value);

        Assert.Equal(6UL, skeleton.SumBytes.Run([1, 2, 3]));
        Assert.Equal(1u, skeleton.Calls.Value);  // .bss written by the program, read by the host
        Assert.Equal(6UL, skeleton.Totals.Lookup(0));  // typed map written by the program

        Assert.Equal(0, skeleton.Totals.Update(0, 100));  // typed map written by the host, read by the program
        Assert.Equal(18UL, skeleton.ScaledSum.Run([1, 2, 3]));
        Assert.Equal(106UL, skeleton.Totals.Lookup(0));
        Assert.Equal(2u, skeleton.Calls.Value);

        skeleton.ScaleFactor.Value = 5;  // the host configures .rodata; the program reads it
        Assert.Equal(30UL, skeleton.ScaledSum.Run([1, 2, 3]));

        // .rodata is read-only to programs: a trusted program that writes it faults at run time and changes nothing.
        var fault = Assert.Throws<BpfRuntimeException>(() => skeleton.WriteRodata.Run([9]));
        Assert.Contains("text_only.c:37", fault.Message);
        Assert.Equal(5u, skeleton.ScaleFactor.Value);

        Assert.Throws<InvalidOperationException>(() => skeleton.SumBytes.Run(new PacketInput(new byte[64])));
        Assert.Null(skeleton.SumBytes.Packet);
    }

    [Fact]
    public void Skeleton_maps_programs_and_helpers_are_the_loaded_objects()
    {
        using var skeleton = new TextOnlySkeleton(Trusted);
        Assert.Same(skeleton.Loaded.Maps, skeleton.Maps);
        Assert.Same(skeleton.Loaded.Helpers, skeleton.Helpers);
        Assert.Same(skeleton.Loaded.Object, skeleton.Object);
        Assert.Same(skeleton.Loaded.GetMap("totals"), skeleton.Totals.Map);
        Assert.Equal(skeleton.Loaded.Programs.Select(p => p.Name), skeleton.Programs.Select(p => p.Name));
        Assert.Same(skeleton.Loaded.GetProgram("sum_bytes"), skeleton.SumBytes.Loaded);
        // References were resolved once, by the loader: the program's code loads the created map's handle.
        var reference = Assert.Single(skeleton.SumBytes.Loaded.MapReferences.Values, r => r.Map.Name == "totals");
        Assert.Equal(skeleton.Totals.Map.Handle, reference.Value);
        Assert.Throws<KeyNotFoundException>(() => skeleton.GetMap("missing"));
        Assert.Throws<KeyNotFoundException>(() => skeleton.GetProgram("missing"));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void A_verified_packet_skeleton_runs_with_typed_maps_and_globals(EngineChoice engine)
    {
        using var skeleton = new FlowStatsSkeleton(new SkeletonOptions { Engine = engine });
        Assert.True(skeleton.FlowAccount.IsVerified);
        Assert.NotNull(skeleton.FlowAccount.Packet);
        Assert.Equal(1u, skeleton.SampleRate.Value);  // .data initial value
        skeleton.BlockedPort.Value = 53;
        var udp = Packets.Ipv4(Packets.Udp, 1, 2, 4000, 53);
        Assert.Equal(XdpAction.Drop, skeleton.FlowAccount.Run(new PacketInput(udp)).XdpAction);
        Assert.Equal(XdpAction.Pass, skeleton.FlowAccount.Run(new PacketInput(Packets.Ipv4(Packets.Udp, 1, 2, 4000, 54))).XdpAction);
        Assert.Equal(2UL, skeleton.TotalPackets.Value);
        Assert.Equal((ulong)(udp.Length * 2), skeleton.TotalBytes.Value);
        Assert.Equal(1UL, skeleton.Verdicts.Lookup((uint)XdpAction.Drop));
        Assert.Equal(1UL, skeleton.Verdicts.Lookup((uint)XdpAction.Pass));
        var flow = Assert.Single(skeleton.Flows.Entries, entry => entry.Key.Dport == 53);
        Assert.Equal((1UL, (ulong)udp.Length), (flow.Value.Packets, flow.Value.Bytes));
        Assert.Equal(engine == EngineChoice.Jit ? "jit" : "interpreter", skeleton.FlowAccount.Executable.EngineName);
    }

    [Fact]
    public void Verified_skeleton_programs_may_run_unchecked_on_the_jit_and_trusted_ones_may_not()
    {
        var unchecked_ = new SkeletonOptions { Engine = EngineChoice.Jit, JitOptions = new JitOptions { MemoryMode = JitMemoryMode.Unchecked } };
        using var verified = new FlowStatsSkeleton(unchecked_);
        Assert.Equal(XdpAction.Pass, verified.FlowAccount.Run(new PacketInput(Packets.Ipv4(Packets.Udp, 1, 2, 4000, 53))).XdpAction);
        Assert.Equal(JitMemoryMode.Unchecked, ((JitExecutable)verified.FlowAccount.Executable).JitOptions.MemoryMode);
        Assert.Equal(1UL, verified.TotalPackets.Value);

        using var trusted = new FlowStatsSkeleton(unchecked_ with { Verify = false });
        Assert.False(trusted.FlowAccount.IsVerified);
        Assert.Throws<ArgumentException>(() => trusted.FlowAccount.Executable);
    }

    [Fact]
    public void Skeleton_options_become_the_loaders()
    {
        var environment = new SharpBpf.Helpers.HelperEnvironment();
        var extra = new SharpBpf.Helpers.HelperTable().Register(9999, "custom", (_, _, _, _, _, _) => 7);
        var options = new SkeletonOptions
        {
            Engine = EngineChoice.Interpreter, Verify = false, Environment = environment, Helpers = extra,
            Execution = new ExecutionOptions { InstructionBudget = 5 },
        }.ToLoadOptions();
        Assert.False(options.Verify);
        Assert.Same(environment, options.Environment);
        Assert.Equal(EngineChoice.Interpreter, options.Engine);
        Assert.Equal(5, options.Execution!.InstructionBudget);
        Assert.Equal("custom", Assert.Single(options.ExtraHelpers).Name);

        using var skeleton = new TextOnlySkeleton(Trusted with { Helpers = extra, Execution = new ExecutionOptions { InstructionBudget = 5 } });
        Assert.Equal("custom", skeleton.Helpers.Get(9999)!.Name);
        Assert.NotNull(skeleton.Helpers.Get(1));  // the standard helpers stay
        var budget = Assert.Throws<BpfRuntimeException>(() => skeleton.SumBytes.Run(new byte[64]));
        Assert.Equal(RuntimeError.BudgetExceeded, budget.Error);
    }

    [Fact]
    public void Context_pointer_programs_run_on_memory_and_short_memory_runs_bounds_checked()
    {
        using var skeleton = new MultiProgSkeleton(new SkeletonOptions { Engine = EngineChoice.Interpreter });
        Assert.All(skeleton.Programs, program => Assert.True(program.IsVerified));
        Assert.Equal(0UL, skeleton.GetProgram("probe_second").Run(new byte[8]));  // bounds-checked: a short context is fine
        Assert.Equal(1UL, skeleton.Hits.Lookup(1));

        // Verified programs run unchecked on the JIT by default, on memory of the verified context size; shorter memory
        // runs on the bounds-checked build.
        using var fast = new MultiProgSkeleton(new SkeletonOptions { Engine = EngineChoice.Jit });
        var probe = fast.GetProgram("probe_first");
        int size = ProgramTypeInfo.For(probe.Type).ContextSize;
        Assert.Equal(size, probe.Executable.RequiredMemoryLength);
        Assert.Equal(JitMemoryMode.Unchecked, Assert.IsType<JitExecutable>(probe.Executable).JitOptions.MemoryMode);
        Assert.Equal(0UL, probe.Run(new byte[8]));
        Assert.Equal(0UL, probe.Run(new byte[size]));
        Assert.Equal(2UL, fast.Hits.Lookup(0));
    }

    /// <summary>What a generated skeleton of multi_prog.o reduces to: the object, and typed access through the base class.</summary>
    private sealed class MultiProgSkeleton(SkeletonOptions options) : BpfSkeleton(Elf.Fixtures.Bytes("multi_prog"), options)
    {
        public BpfMap<uint, ulong> Hits => new(GetMap("hits"));
    }
}

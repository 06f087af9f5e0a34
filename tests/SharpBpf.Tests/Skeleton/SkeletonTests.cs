using SharpBpf.Cli;
using SharpBpf.Examples.Skeleton;
using SharpBpf.ProgramTypes;
using SharpBpf.Skeleton;
using SharpBpf.Tests.ProgramTypes;

namespace SharpBpf.Tests.Skeleton;

public class SkeletonTests
{
    private static string ExampleDirectory => Path.Combine(Elf.Fixtures.Directory, "..", "..", "examples", "Skeleton");

    [Fact]
    public void Generated_skeleton_has_typed_programs_maps_and_globals()
    {
        string source = SkeletonGenerator.Generate(File.ReadAllBytes(Packets.FixturePath("flow_stats")), "flow_stats.o",
            new SkeletonGeneratorOptions { Namespace = "Demo", ClassName = "Flows" });
        Assert.Contains("namespace Demo;", source);
        Assert.Contains("public sealed class Flows : global::SharpBpf.Skeleton.BpfSkeleton", source);
        Assert.Contains("public global::SharpBpf.Skeleton.SkeletonProgram FlowAccount => GetProgram(\"flow_account\");", source);
        Assert.Contains("public global::SharpBpf.Skeleton.BpfMap<FlowKey, FlowStats> Flows2 => new(GetMap(\"flows\"));", source);
        Assert.Contains("public global::SharpBpf.Skeleton.BpfMap<uint, ulong> Verdicts => new(GetMap(\"verdicts\"));", source);
        Assert.Contains("GlobalVariable<ulong> TotalBytes => Global<ulong>(\".bss\", 8);", source);
        Assert.Contains("GlobalVariable<ushort> BlockedPort => Global<ushort>(\".rodata\", 0);", source);
        Assert.Contains("GlobalVariable<uint> SampleRate => Global<uint>(\".data\", 0);", source);
        Assert.Contains("[FieldOffset(10)] public ushort Dport;", source);
        Assert.Contains("[InlineArray(3)]", source);
    }

    [Fact]
    public void Arrays_and_signed_chars_map_to_inline_arrays()
    {
        string source = SkeletonGenerator.Generate(Elf.Fixtures.Bytes("globals"), "globals.o");
        Assert.Contains("public sealed class Globals", source);
        Assert.Contains("GlobalVariable<UlongArray8> Histogram => Global<UlongArray8>(\".bss\", 8);", source);
        Assert.Contains("GlobalVariable<SbyteArray6> Greeting => Global<SbyteArray6>(\".rodata\", 4);", source);
    }

    [Fact]
    public void Committed_example_skeleton_is_up_to_date()
    {
        string expected = SkeletonGenerator.Generate(File.ReadAllBytes(Packets.FixturePath("flow_stats")), "flow_stats.o",
            new SkeletonGeneratorOptions { Namespace = "SharpBpf.Examples.Skeleton", ClassName = "FlowStatsSkeleton" });
        Assert.Equal(expected, File.ReadAllText(Path.Combine(ExampleDirectory, "FlowStatsSkeleton.g.cs")));
    }

    [Fact]
    public void Example_runs_packets_through_the_generated_skeleton()
    {
        var output = new StringWriter();
        var result = FlowDemo.Run(output);
        Assert.Equal([XdpAction.Pass, XdpAction.Pass, XdpAction.Drop, XdpAction.Pass], result.Verdicts);
        Assert.Equal((2ul, 164ul), result.Flows[(40000, 53)]);
        Assert.Equal((1ul, 52ul), result.Flows[(40001, 9)]);
        Assert.Equal((4ul, 258ul, 1ul), (result.TotalPackets, result.TotalBytes, result.Drops));
        Assert.Contains("1 dropped", output.ToString());
    }

    [Fact]
    public void Skeleton_globals_are_live_views_of_the_data_maps()
    {
        using var skeleton = new FlowStatsSkeleton(new SkeletonOptions { Engine = SharpBpf.Jit.EngineChoice.Interpreter });
        Assert.Equal(1u, skeleton.SampleRate.Value);  // .data initial value from the object
        skeleton.TotalPackets.Value = 100;
        skeleton.FlowAccount.Run(new PacketInput(Packets.Arp()));
        Assert.Equal(101ul, skeleton.TotalPackets.Value);
        Assert.Equal("interpreter", skeleton.FlowAccount.Executable.EngineName);
        Assert.Throws<InvalidOperationException>(() => skeleton.FlowAccount.Run(new byte[64]));
    }

    [Fact]
    public void Gen_skeleton_command_writes_the_file()
    {
        string file = Path.Combine(Path.GetTempPath(), $"skeleton-{Guid.NewGuid():N}.cs");
        try
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int code = CliApp.Run(["gen", "skeleton", Packets.FixturePath("xdp_counter"), "-o", file, "--namespace", "N", "--class", "Counter"],
                new CliConsole(stdout, stderr, TextReader.Null));
            Assert.Equal(0, code);
            string text = File.ReadAllText(file);
            Assert.Contains("public sealed class Counter", text);
            Assert.Contains("BpfMap<ushort, ulong> PortCounts", text);
            Assert.Equal(2, CliApp.Run(["gen", "skeleton", file], new CliConsole(stdout, stderr, TextReader.Null)));
            Assert.Contains("not an ELF", stderr.ToString());
        }
        finally
        {
            File.Delete(file);
        }
    }
}

using System.Runtime.InteropServices;
using SharpBpf.Asm;
using SharpBpf.Attach;
using SharpBpf.Jit;
using SharpBpf.Maps;
using SharpBpf.ProgramTypes;
using SharpBpf.Runtime;
using SharpBpf.Syscall;
using SharpBpf.Tests.Syscall;

namespace SharpBpf.Tests.Attach;

public class HostEventsTests
{
    [StructLayout(LayoutKind.Sequential)]
    private struct RequestEvent
    {
        public int Pid;
        public int Status;
        public long Bytes;
        public int Verdict;
    }

    private static BpfExecutable Compile(string source, EngineChoice engine = EngineChoice.Interpreter) =>
        RuntimeSelector.Select(Assembler.Assemble(source, AsmSyntax.Llvm), choice: engine).Executable;

    [Theory]
    [InlineData(EngineChoice.Interpreter)]
    [InlineData(EngineChoice.Jit)]
    public void Fire_runs_attached_programs_on_a_copy_of_the_context(EngineChoice engine)
    {
        var requests = new HostEvent<RequestEvent>("http:request", nameof(RequestEvent.Verdict));
        Assert.Equal(24, requests.ContextSize);
        var bytes = requests.Attach(Compile("r0 = *(u64 *)(r1 + 8)\nexit", engine));
        requests.Attach(Compile("r0 = *(u32 *)(r1 + 0)\nr2 = r0\nr2 += 1\nr1 = r1\nexit", engine));
        var context = new RequestEvent { Pid = 41, Status = 200, Bytes = 1234 };
        Assert.Equal([1234ul, 41ul], requests.FireAndCollect(context));
        Assert.True(requests.Detach(bytes));
        Assert.False(requests.Detach(bytes));
        Assert.Equal(1, requests.Fire(context));
    }

    [Fact]
    public void Only_declared_fields_are_writable()
    {
        var requests = new HostEvent<RequestEvent>("http:request", nameof(RequestEvent.Verdict));
        requests.Attach(Compile("*(u32 *)(r1 + 16) = 403\nr0 = 0\nexit"));
        var context = new RequestEvent { Pid = 1 };
        Assert.Equal(1, requests.FireWritable(ref context));
        Assert.Equal(403, context.Verdict);

        var readOnly = new HostEvent<RequestEvent>("http:done");
        readOnly.Attach(Compile("*(u32 *)(r1 + 16) = 403\nr0 = 0\nexit"));
        var error = Assert.Throws<BpfRuntimeException>(() => readOnly.Fire(new RequestEvent()));
        Assert.Equal(RuntimeError.WriteToReadOnly, error.Error);
        Assert.Throws<ArgumentException>(() => new HostEvent<RequestEvent>("x", "NoSuchField"));
    }

    [Fact]
    public void Packet_programs_cannot_attach()
    {
        var requests = new HostEvent<RequestEvent>("http:request");
        var xdp = new AttachedProgram(new global::SharpBpf.Interpreter.Interpreter(Assembler.Assemble("r0 = 2\nexit", AsmSyntax.Llvm)), BpfProgramType.Xdp);
        Assert.Throws<ArgumentException>(() => requests.Attach(xdp));
        using var system = new BpfSystem();
        int target = system.RegisterAttachPoint(requests);
        int prog = system.ProgLoad(new ProgLoadAttributes { Type = BpfProgramType.Xdp, Instructions = Assembler.AssembleInstructions("r0 = 2\nexit", AsmSyntax.Llvm) }).Code;
        Assert.Equal(-Errno.EINVAL, system.ProgAttach(target, prog));
    }

    [Fact]
    public void Detaching_while_running_loses_no_map_update()
    {
        using var system = new BpfSystem();
        var requests = new HostEvent<RequestEvent>("http:request");
        int target = system.RegisterAttachPoint(requests);
        int map = system.MapCreate(new MapDefinition { Name = "counter", Type = MapType.Array, KeySize = 4, ValueSize = 8, MaxEntries = 1 });
        var load = system.ProgLoad(new ProgLoadAttributes { Type = BpfProgramType.Tracepoint, Instructions = BpfSystemTests.CounterProgram(map) });
        Assert.True(load.IsSuccess);
        Assert.Equal(0, system.ProgAttach(target, load.Code));
        // The program's fd and the map's fd are closed: only the attachment keeps them alive.
        Assert.Equal(0, system.Close(load.Code));
        var live = system.GetMap(map)!;
        Assert.Equal(0, system.ObjPin(map, "/sys/fs/bpf/counter"));
        Assert.Equal(0, system.Close(map));

        long completed = 0;
        using var started = new ManualResetEventSlim();
        var stop = false;
        var firing = new Thread(() =>
        {
            var context = new RequestEvent { Pid = 1 };
            while (!Volatile.Read(ref stop))
            {
                completed += requests.Fire(context);
                if (completed > 1000) started.Set();
            }
        });
        firing.Start();
        Assert.True(started.Wait(TimeSpan.FromSeconds(30)));
        var attached = Assert.Single(requests.Programs);
        Assert.True(requests.Detach(attached));
        Thread.Sleep(20);
        Volatile.Write(ref stop, true);
        firing.Join();
        Assert.Empty(requests.Programs);
        Assert.Equal(0, requests.Fire(new RequestEvent()));
        Assert.Equal((ulong)completed, live.Lookup<uint, ulong>(0));
        Assert.False(live.IsDisposed);
        Assert.Equal(0, system.Unpin("/sys/fs/bpf/counter"));
        Assert.True(live.IsDisposed);
    }
}

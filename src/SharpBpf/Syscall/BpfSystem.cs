using System.Diagnostics;
using SharpBpf.Attach;
using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Jit;
using SharpBpf.Maps;
using SharpBpf.Memory;
using SharpBpf.ProgramTypes;
using SharpBpf.Runtime;
using SharpBpf.Loader;

namespace SharpBpf.Syscall;

/// <summary>
/// The <c>bpf()</c> command interface in one process: a file-descriptor table of maps, programs and attach points,
/// and the commands user space knows (map create/lookup/update/delete/next-key, program load, attach/detach, test
/// run, pin/get in an in-memory bpffs, info by fd). Results are kernel-style: 0 or a new fd, or a negative errno
/// (<see cref="Errno"/>): an fd that is not open gives -EBADF, an fd of the wrong kind -EINVAL. Every command first
/// passes the <see cref="Security"/> hook. All members are thread-safe.
/// </summary>
public sealed class BpfSystem : IDisposable
{
    /// <summary>The kernel's limit on loaded instructions (<c>BPF_COMPLEXITY_LIMIT_INSNS</c>).</summary>
    public const int MaxInstructions = 1_000_000;

    /// <summary>Where the in-memory bpffs is mounted; pin paths must be below it.</summary>
    public const string BpffsRoot = "/sys/fs/bpf";

    private const int FirstFd = 3;
    private readonly Lock _lock = new();
    private readonly Dictionary<int, ISystemObject> _fds = [];
    private readonly Dictionary<string, ISystemObject> _pins = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>Creates a system whose programs get <paramref name="helpers"/> (default: standard + packet helpers).</summary>
    public BpfSystem(HelperTable? helpers = null) => Helpers = helpers ?? PacketProgram.DefaultHelpers();

    /// <summary>Helpers available to loaded programs.</summary>
    public HelperTable Helpers { get; }

    /// <summary>Authorisation hook (<c>security_bpf</c>); null allows everything.</summary>
    public BpfSecurityHook? Security { get; set; }

    /// <summary>
    /// Verifier run by <see cref="ProgLoad"/>: SharpBpf's own (<see cref="KernelVerifier"/>) by default, as in the
    /// kernel's load path; null loads trusted programs unverified (the engines' runtime checks stay on). Packet
    /// programs it accepts run in the JIT's unchecked mode (unless <see cref="JitOptions"/> is set), so a replacement
    /// verifier must be as strict.
    /// </summary>
    public IProgramVerifier? Verifier { get; set; } = new KernelVerifier();

    /// <summary>Engine selection for loaded programs.</summary>
    public EngineChoice Engine { get; init; } = EngineChoice.Auto;

    /// <summary>JIT settings for loaded programs; null: unchecked for verified packet programs, checked for the rest.</summary>
    public JitOptions? JitOptions { get; init; }

    /// <summary>Number of open fds.</summary>
    public int OpenFdCount
    {
        get { lock (_lock) return _fds.Count; }
    }

    // ---- maps ----

    /// <summary><c>BPF_MAP_CREATE</c>: returns the new map's fd, or -EINVAL/-E2BIG/-ENOMEM/... from the map's checks.</summary>
    public int MapCreate(MapDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (Authorise(BpfCommand.MapCreate, definition) is int refused and < 0) return refused;
        if (definition.Name.Length > 15) return -Errno.EINVAL;
        BpfMap map;
        try
        {
            map = BpfMap.Create(definition.Name.Length == 0 ? definition with { Name = "map" } : definition);
        }
        catch (BpfMapException e)
        {
            return e.Errno < 0 ? e.Errno : -Errno.EINVAL;
        }
        return Install(new SystemMap(map));
    }

    /// <summary><c>BPF_MAP_LOOKUP_ELEM</c>: copies the value (<see cref="BpfMap.HostValueSize"/> bytes) into <paramref name="value"/>.</summary>
    public int MapLookupElem(int fd, ReadOnlySpan<byte> key, Span<byte> value, MapUpdateFlags flags = MapUpdateFlags.Any)
    {
        if (Authorise(BpfCommand.MapLookupElem, fd) is int refused and < 0) return refused;
        if (GetMapObject(fd, out var map) is int error and < 0) return error;
        if (map!.Map.Type is MapType.ProgArray or MapType.ArrayOfMaps or MapType.HashOfMaps) return -Errno.EOPNOTSUPP;
        return Guard(key, value, (k, v) => map.Map.Lookup(k, v, flags));
    }

    /// <summary>
    /// <c>BPF_MAP_UPDATE_ELEM</c>. For program arrays the value is a program fd, for map-in-map types an inner
    /// map fd, as in the kernel.
    /// </summary>
    public int MapUpdateElem(int fd, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, MapUpdateFlags flags = MapUpdateFlags.Any)
    {
        if (Authorise(BpfCommand.MapUpdateElem, fd) is int refused and < 0) return refused;
        if (GetMapObject(fd, out var entry) is int error and < 0) return error;
        var map = entry!.Map;
        if (map.Type is MapType.ProgArray or MapType.ArrayOfMaps or MapType.HashOfMaps)
        {
            if (value.Length != 4 || key.Length != map.KeySize) return -Errno.EINVAL;
            int innerFd = BitConverter.ToInt32(value);
            ISystemObject? inner;
            lock (_lock) inner = _fds.GetValueOrDefault(innerFd);
            if (inner is null) return -Errno.EBADF;
            if (map is ProgramArrayMap programs)
            {
                if (inner is not SystemProgram program) return -Errno.EINVAL;
                uint index = BitConverter.ToUInt32(key);
                if (index >= (uint)programs.MaxEntries) return -Errno.E2BIG;
                programs.Set(index, program.Executable);
                return 0;
            }
            if (inner is not SystemMap innerMap) return -Errno.EINVAL;
            Span<byte> id = stackalloc byte[4];
            BitConverter.TryWriteBytes(id, innerMap.Map.Id);
            return Guard(key, id, (k, v) => map.Update(k, v, flags));
        }
        return Guard(key, value, (k, v) => map.Update(k, v, flags));
    }

    /// <summary><c>BPF_MAP_DELETE_ELEM</c>.</summary>
    public int MapDeleteElem(int fd, ReadOnlySpan<byte> key)
    {
        if (Authorise(BpfCommand.MapDeleteElem, fd) is int refused and < 0) return refused;
        if (GetMapObject(fd, out var map) is int error and < 0) return error;
        return Guard(key, [], (k, _) => map!.Map.Delete(k));
    }

    /// <summary><c>BPF_MAP_GET_NEXT_KEY</c>: an empty <paramref name="key"/> asks for the first key; -ENOENT after the last.</summary>
    public int MapGetNextKey(int fd, ReadOnlySpan<byte> key, Span<byte> nextKey)
    {
        if (Authorise(BpfCommand.MapGetNextKey, fd) is int refused and < 0) return refused;
        if (GetMapObject(fd, out var map) is int error and < 0) return error;
        return Guard(key, nextKey, (k, n) => map!.Map.GetNextKey(k, n));
    }

    // ---- programs ----

    /// <summary>
    /// <c>BPF_PROG_LOAD</c>: validates the instructions, resolves <c>BPF_LD_MAP_FD</c> (<c>lddw</c> src 1) and
    /// <c>BPF_PSEUDO_MAP_VALUE</c> (src 2) against the fd table, runs the <see cref="Verifier"/> when one is set,
    /// rewrites context accesses for packet types and selects the engine. Returns the program fd.
    /// </summary>
    public BpfResult<ProgLoadOutput> ProgLoad(ProgLoadAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        if (Authorise(BpfCommand.ProgLoad, attributes) is int refused and < 0) return BpfResult<ProgLoadOutput>.Fail(refused);
        var log = new System.Text.StringBuilder();
        BpfResult<ProgLoadOutput> Failed(int errno, string message)
        {
            log.AppendLine(message);
            return new BpfResult<ProgLoadOutput>(errno, new ProgLoadOutput(errno, Truncate(log.ToString(), attributes.LogSize), ""));
        }

        if (!Enum.IsDefined(attributes.Type)) return Failed(-Errno.EINVAL, $"unknown program type {(uint)attributes.Type}");
        if (attributes.Instructions is null || attributes.Instructions.Count == 0) return Failed(-Errno.EINVAL, "no instructions");
        if (attributes.Instructions.Count > MaxInstructions) return Failed(-Errno.E2BIG, $"{attributes.Instructions.Count} instructions exceed the limit of {MaxInstructions}");
        if (attributes.Name.Length > 15 || attributes.Name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '.')))
            return Failed(-Errno.EINVAL, $"invalid program name '{attributes.Name}'");

        Bytecode original;
        try
        {
            original = Bytecode.FromInstructions(attributes.Instructions);
        }
        catch (BpfDecodeException e)
        {
            return Failed(-Errno.EINVAL, e.Message);
        }

        var used = new List<SystemMap>();
        var indexByFd = new Dictionary<int, int>();
        bool wrongKind = false;
        Bytecode code;
        try
        {
            code = MapReferenceResolver.Resolve(original, LoadImm64Source.MapFd, LoadImm64Source.MapValue, fd =>
            {
                lock (_lock)
                {
                    var entry = _fds.GetValueOrDefault(fd);
                    if (entry is not SystemMap map)
                    {
                        wrongKind |= entry is not null;
                        return null;
                    }
                    if (!used.Contains(map)) used.Add(map);
                    indexByFd[fd] = used.IndexOf(map);
                    return map.Map;
                }
            }).Code;
        }
        catch (MapReferenceException e)
        {
            // An fd that is open but not a map is -EINVAL, as __bpf_map_get reports it.
            return Failed(wrongKind ? -Errno.EINVAL : e.Errno, e.Message);
        }

        int stackDepth = -1;
        if (Verifier is { } verifier)
        {
            var indexed = original.Instructions.ToArray();
            for (int i = 0; i < indexed.Length; i++)
                if (original.FormAt(i) is { IsWide: true } && indexed[i].Src is (int)LoadImm64Source.MapFd or (int)LoadImm64Source.MapValue)
                    indexed[i] = indexed[i].WithImmediate(indexByFd[indexed[i].Immediate]);
            var outcome = verifier.Verify(new VerificationRequest(code, original, Bytecode.FromInstructions(indexed), attributes.Type, used.Select(m => m.Map).ToArray(), Helpers, attributes.LogLevel));
            if (outcome.Log.Length > 0) log.Append(outcome.Log);
            if (!outcome.Accepted) return Failed(outcome.Errno < 0 ? outcome.Errno : -Errno.EACCES, "verifier rejected the program");
            stackDepth = outcome.StackDepth;
        }

        BpfExecutable executable;
        PacketProgram? packet = null;
        try
        {
            bool isPacket = PacketProgram.Supports(attributes.Type);
            var prepared = isPacket ? PacketProgram.Prepare(attributes.Type, code) : code;
            // A verified packet program runs on a context SharpBpf builds at the size the verifier assumed, so the
            // JIT may drop its per-access checks, as the kernel's does; other types run on caller-given memory.
            var jitOptions = JitOptions ?? (Verifier is not null && isPacket
                ? new JitOptions { MemoryMode = JitMemoryMode.Unchecked, UnsafeSkipBoundsChecks = true, Verified = true, VerifiedStackDepth = stackDepth }
                : null);
            executable = RuntimeSelector.Select(prepared, Helpers, Engine, jitOptions).Executable;
            if (PacketProgram.Supports(attributes.Type)) packet = new PacketProgram(attributes.Type, executable, used.Select(m => m.Map));
        }
        catch (ContextRewriteException e)
        {
            return Failed(-Errno.EACCES, e.Message);
        }
        catch (BpfException e)
        {
            return Failed(-Errno.EINVAL, e.Message);
        }

        if (attributes.LogLevel > 0)
        {
            log.AppendLine($"processed {code.Length} insns; engine {executable.EngineName}");
            if (attributes.LogSize > 0 && log.Length + 1 > attributes.LogSize)
                return new BpfResult<ProgLoadOutput>(-Errno.ENOSPC, new ProgLoadOutput(-Errno.ENOSPC, Truncate(log.ToString(), attributes.LogSize), ""));
        }
        var program = new SystemProgram(executable, attributes.Type, attributes.Name, [.. used], packet) { Packet = packet };
        int fd = Install(program);
        return new BpfResult<ProgLoadOutput>(fd, new ProgLoadOutput(fd, attributes.LogLevel > 0 ? Truncate(log.ToString(), attributes.LogSize) : "", executable.EngineName));
    }

    /// <summary>Registers an attach point (host event, packet hook); returns its fd, the target of <see cref="ProgAttach"/>.</summary>
    /// <exception cref="ArgumentException">An attach point with the same name is registered.</exception>
    public int RegisterAttachPoint(IBpfAttachPoint point)
    {
        ArgumentNullException.ThrowIfNull(point);
        lock (_lock)
        {
            if (_fds.Values.OfType<SystemAttachPoint>().Any(p => p.Point.Name == point.Name))
                throw new ArgumentException($"an attach point named '{point.Name}' is already registered", nameof(point));
        }
        return Install(new SystemAttachPoint(point));
    }

    /// <summary>The fd of the registered attach point named <paramref name="name"/>, or -ENOENT.</summary>
    public int FindAttachPoint(string name)
    {
        lock (_lock)
            foreach (var (fd, entry) in _fds)
                if (entry is SystemAttachPoint point && point.Point.Name == name) return fd;
        return -Errno.ENOENT;
    }

    /// <summary><c>BPF_PROG_ATTACH</c>: attaches program <paramref name="programFd"/> to the attach point <paramref name="targetFd"/>.</summary>
    public int ProgAttach(int targetFd, int programFd)
    {
        if (Authorise(BpfCommand.ProgAttach, (targetFd, programFd)) is int refused and < 0) return refused;
        if (ResolvePair(targetFd, programFd, out var point, out var program) is int error and < 0) return error;
        if (!point!.Point.Accepts(program!.Type)) return -Errno.EINVAL;
        if (point.Point.Programs.Contains(program)) return -Errno.EEXIST;
        program.AddRef();
        try
        {
            point.Point.Attach(program);
        }
        catch (ArgumentException)
        {
            program.Release();
            return -Errno.EINVAL;
        }
        return 0;
    }

    /// <summary><c>BPF_PROG_DETACH</c>: -ENOENT when the program is not attached there. Runs already started finish.</summary>
    public int ProgDetach(int targetFd, int programFd)
    {
        if (Authorise(BpfCommand.ProgDetach, (targetFd, programFd)) is int refused and < 0) return refused;
        if (ResolvePair(targetFd, programFd, out var point, out var program) is int error and < 0) return error;
        return point!.Point.Detach(program!) ? 0 : -Errno.ENOENT;
    }

    /// <summary>
    /// <c>BPF_PROG_TEST_RUN</c>: runs the program <see cref="ProgTestRunAttributes.Repeat"/> times on the input packet
    /// (packet types; at least an Ethernet header, else -EINVAL), input memory (raw memory type) or input context, and
    /// returns r0, the output data and the mean duration. A program fault gives -EFAULT.
    /// </summary>
    public BpfResult<ProgTestRunOutput> ProgTestRun(ProgTestRunAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        if (Authorise(BpfCommand.ProgTestRun, attributes) is int refused and < 0) return BpfResult<ProgTestRunOutput>.Fail(refused);
        ISystemObject? entry;
        lock (_lock) entry = _fds.GetValueOrDefault(attributes.ProgramFd);
        if (entry is null) return BpfResult<ProgTestRunOutput>.Fail(-Errno.EBADF);
        if (entry is not SystemProgram program) return BpfResult<ProgTestRunOutput>.Fail(-Errno.EINVAL);
        if (program.Packet is not null && attributes.DataIn.Length < 14) return BpfResult<ProgTestRunOutput>.Fail(-Errno.EINVAL);
        if (!program.TryEnter()) return BpfResult<ProgTestRunOutput>.Fail(-Errno.EBADF);
        try
        {
            uint repeat = Math.Max(1, attributes.Repeat);
            long start = Stopwatch.GetTimestamp();
            var output = program.Packet is { } packetProgram ? RunPackets(packetProgram, attributes, repeat) : RunMemory(program, attributes, repeat);
            long elapsed = (long)Stopwatch.GetElapsedTime(start).TotalNanoseconds;
            program.AddRunStatistics(repeat - 1, elapsed);
            return new BpfResult<ProgTestRunOutput>(0, output with { DurationNs = (ulong)(elapsed / repeat) });
        }
        catch (BpfRuntimeException)
        {
            return BpfResult<ProgTestRunOutput>.Fail(-Errno.EFAULT);
        }
        finally
        {
            program.Exit();
        }
    }

    private static ProgTestRunOutput RunPackets(PacketProgram program, ProgTestRunAttributes attributes, uint repeat)
    {
        var input = (attributes.Packet ?? new PacketInput(attributes.DataIn)) with { Data = attributes.DataIn };
        PacketRunResult result = null!;
        for (uint i = 0; i < repeat; i++) result = program.Run(input);
        return new ProgTestRunOutput(result.ReturnValue, result.Packet, [], 0, result);
    }

    private static ProgTestRunOutput RunMemory(SystemProgram program, ProgTestRunAttributes attributes, uint repeat)
    {
        // Raw memory type: r1 = the data, r2 = its length; with a context: r1 = the context. Both read-write.
        bool hasContext = !attributes.ContextIn.IsEmpty;
        var input = hasContext ? attributes.ContextIn : attributes.DataIn;
        var executable = program.Executable;
        using var block = new NativeBlock(input.Length);
        ulong r0 = 0;
        for (uint i = 0; i < repeat; i++)
        {
            input.Span.CopyTo(block.Span);
            var run = executable.RentContext();
            if (input.Length > 0) run.AddRegion(new MemoryRegion(block.Address, (ulong)input.Length, MemoryAccess.ReadWrite, hasContext ? "context" : "memory"));
            if (!hasContext)
            {
                run.PacketStart = block.Address;
                run.PacketLength = (ulong)input.Length;
            }
            foreach (var map in program.Maps) map.AddRegionsTo(run);
            r0 = executable.Run(run, block.Address, (ulong)input.Length);
        }
        byte[] output = block.Span.ToArray();
        return hasContext ? new ProgTestRunOutput(r0, [], output, 0, null) : new ProgTestRunOutput(r0, output, [], 0, null);
    }

    // ---- objects ----

    /// <summary><c>BPF_OBJ_PIN</c>: pins a map or program at <paramref name="path"/> below <see cref="BpffsRoot"/> (-EPERM elsewhere, -EEXIST when taken).</summary>
    public int ObjPin(int fd, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Authorise(BpfCommand.ObjPin, (fd, path)) is int refused and < 0) return refused;
        if (!path.StartsWith(BpffsRoot + "/", StringComparison.Ordinal) || path.Length == BpffsRoot.Length + 1) return -Errno.EPERM;
        lock (_lock)
        {
            if (!_fds.TryGetValue(fd, out var entry)) return -Errno.EBADF;
            if (entry.Kind == BpfObjectKind.AttachPoint) return -Errno.EINVAL;
            if (!_pins.TryAdd(path, entry)) return -Errno.EEXIST;
            entry.AddRef();
            return 0;
        }
    }

    /// <summary><c>BPF_OBJ_GET</c>: a new fd for the object pinned at <paramref name="path"/>, or -ENOENT.</summary>
    public int ObjGet(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Authorise(BpfCommand.ObjGet, path) is int refused and < 0) return refused;
        ISystemObject? entry;
        lock (_lock) entry = _pins.GetValueOrDefault(path);
        return entry is null ? -Errno.ENOENT : Install(entry);
    }

    /// <summary>Removes a pin (<c>unlink</c> on bpffs): 0 or -ENOENT.</summary>
    public int Unpin(string path)
    {
        ISystemObject? entry;
        lock (_lock)
        {
            if (!_pins.Remove(path, out entry)) return -Errno.ENOENT;
        }
        entry.Release();
        return 0;
    }

    /// <summary>The pinned paths, sorted.</summary>
    public IReadOnlyList<string> PinnedPaths
    {
        get { lock (_lock) return [.. _pins.Keys.Order(StringComparer.Ordinal)]; }
    }

    /// <summary><c>BPF_OBJ_GET_INFO_BY_FD</c>.</summary>
    public BpfResult<BpfObjectInfo> ObjGetInfoByFd(int fd)
    {
        if (Authorise(BpfCommand.ObjGetInfoByFd, fd) is int refused and < 0) return BpfResult<BpfObjectInfo>.Fail(refused);
        ISystemObject? entry;
        lock (_lock) entry = _fds.GetValueOrDefault(fd);
        BpfObjectInfo? info = entry switch
        {
            SystemMap { Map: var map } => new BpfObjectInfo
            {
                Kind = BpfObjectKind.Map, Id = map.Id, Name = map.Name, MapType = map.Type, KeySize = (uint)map.KeySize,
                ValueSize = (uint)map.ValueSize, MaxEntries = (uint)map.MaxEntries, MapFlags = map.Definition.Flags,
            },
            SystemProgram program => new BpfObjectInfo
            {
                Kind = BpfObjectKind.Program, Id = program.Id, Name = program.Name, ProgramType = program.Type,
                InstructionCount = program.Executable.Code.Length, MapIds = [.. program.SystemMaps.Select(m => m.Map.Id)],
                Engine = program.Executable.EngineName, RunCount = program.RunCount, RunTimeNs = program.RunTimeNs,
            },
            SystemAttachPoint point => new BpfObjectInfo { Kind = BpfObjectKind.AttachPoint, Id = 0, Name = point.Point.Name },
            _ => null,
        };
        return info is null ? BpfResult<BpfObjectInfo>.Fail(-Errno.EBADF) : new BpfResult<BpfObjectInfo>(0, info);
    }

    /// <summary>Closes an fd (<c>close(2)</c>): 0 or -EBADF. The object lives on while pinned, attached or used by a program.</summary>
    public int Close(int fd)
    {
        if (Authorise(BpfCommand.Close, fd) is int refused and < 0) return refused;
        ISystemObject? entry;
        lock (_lock)
        {
            if (!_fds.Remove(fd, out entry)) return -Errno.EBADF;
        }
        entry.Release();
        return 0;
    }

    /// <summary>The map behind <paramref name="fd"/> for host code, or null.</summary>
    public BpfMap? GetMap(int fd)
    {
        lock (_lock) return (_fds.GetValueOrDefault(fd) as SystemMap)?.Map;
    }

    /// <summary>The attachable program behind <paramref name="fd"/> for host code, or null.</summary>
    public AttachedProgram? GetProgram(int fd)
    {
        lock (_lock) return _fds.GetValueOrDefault(fd) as SystemProgram;
    }

    /// <summary>Closes every fd and removes every pin.</summary>
    public void Dispose()
    {
        List<ISystemObject> released;
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            released = [.. _fds.Values, .. _pins.Values];
            _fds.Clear();
            _pins.Clear();
        }
        foreach (var entry in released) entry.Release();
    }

    // ---- plumbing ----

    private int Authorise(BpfCommand command, object? attributes)
    {
        if (Security is not { } hook) return 0;
        int verdict = hook(command, attributes);
        return verdict > 0 ? -Errno.EPERM : verdict;
    }

    private int Install(ISystemObject entry)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            int fd = FirstFd;
            while (_fds.ContainsKey(fd)) fd++;
            entry.AddRef();
            _fds.Add(fd, entry);
            return fd;
        }
    }

    private int GetMapObject(int fd, out SystemMap? map)
    {
        ISystemObject? entry;
        lock (_lock) entry = _fds.GetValueOrDefault(fd);
        map = entry as SystemMap;
        return entry is null ? -Errno.EBADF : map is null ? -Errno.EINVAL : 0;
    }

    private int ResolvePair(int targetFd, int programFd, out SystemAttachPoint? point, out SystemProgram? program)
    {
        ISystemObject? target, prog;
        lock (_lock)
        {
            target = _fds.GetValueOrDefault(targetFd);
            prog = _fds.GetValueOrDefault(programFd);
        }
        point = target as SystemAttachPoint;
        program = prog as SystemProgram;
        if (target is null || prog is null) return -Errno.EBADF;
        return point is null || program is null ? -Errno.EINVAL : 0;
    }

    private delegate int SpanOperation(ReadOnlySpan<byte> key, Span<byte> value);
    private delegate int ReadOnlySpanOperation(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);

    // Host-side size mismatches surface from maps as ArgumentException; the syscall reports them as -EINVAL.
    private static int Guard(ReadOnlySpan<byte> key, Span<byte> value, SpanOperation operation)
    {
        try
        {
            return operation(key, value);
        }
        catch (ArgumentException)
        {
            return -Errno.EINVAL;
        }
        catch (BpfMapException e)
        {
            return e.Errno < 0 ? e.Errno : -Errno.EINVAL;
        }
    }

    private static int Guard(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, ReadOnlySpanOperation operation)
    {
        try
        {
            return operation(key, value);
        }
        catch (ArgumentException)
        {
            return -Errno.EINVAL;
        }
        catch (BpfMapException e)
        {
            return e.Errno < 0 ? e.Errno : -Errno.EINVAL;
        }
    }

    private static string Truncate(string log, uint size) => size == 0 || log.Length < size ? log : log[..(int)(size - 1)];
}

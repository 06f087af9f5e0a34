using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Maps;
using SharpBpf.ProgramTypes;

namespace SharpBpf.Syscall;

/// <summary>The <c>bpf()</c> commands <see cref="BpfSystem"/> implements, numbered as <c>enum bpf_cmd</c>.</summary>
public enum BpfCommand
{
    /// <summary>BPF_MAP_CREATE.</summary>
    MapCreate = 0,
    /// <summary>BPF_MAP_LOOKUP_ELEM.</summary>
    MapLookupElem = 1,
    /// <summary>BPF_MAP_UPDATE_ELEM.</summary>
    MapUpdateElem = 2,
    /// <summary>BPF_MAP_DELETE_ELEM.</summary>
    MapDeleteElem = 3,
    /// <summary>BPF_MAP_GET_NEXT_KEY.</summary>
    MapGetNextKey = 4,
    /// <summary>BPF_PROG_LOAD.</summary>
    ProgLoad = 5,
    /// <summary>BPF_OBJ_PIN.</summary>
    ObjPin = 6,
    /// <summary>BPF_OBJ_GET.</summary>
    ObjGet = 7,
    /// <summary>BPF_PROG_ATTACH.</summary>
    ProgAttach = 8,
    /// <summary>BPF_PROG_DETACH.</summary>
    ProgDetach = 9,
    /// <summary>BPF_PROG_TEST_RUN.</summary>
    ProgTestRun = 10,
    /// <summary>BPF_OBJ_GET_INFO_BY_FD.</summary>
    ObjGetInfoByFd = 15,
    /// <summary>close(2) on a bpf fd (not a bpf() command; offered to the security hook as -1).</summary>
    Close = -1,
}

/// <summary>
/// A command's result as the kernel reports it: <see cref="Code"/> is 0 or a new fd on success, a negative errno
/// (<see cref="Errno"/>) on failure; <see cref="Value"/> carries the command's output on success.
/// </summary>
public readonly record struct BpfResult<T>(int Code, T? Value)
{
    /// <summary>True on success.</summary>
    public bool IsSuccess => Code >= 0;

    /// <summary>A failure with <paramref name="errno"/> (negative).</summary>
    public static BpfResult<T> Fail(int errno) => new(errno, default);

    /// <inheritdoc/>
    public override string ToString() => IsSuccess ? $"{Code} ({Value})" : $"error {Code}";
}

/// <summary>Authorises a command (<c>security_bpf</c>): return 0 to allow it, or a negative errno (usually -EPERM) to refuse.</summary>
/// <param name="command">The command.</param>
/// <param name="attributes">Its attributes (the record passed to the command; the fd for fd-only commands).</param>
public delegate int BpfSecurityHook(BpfCommand command, object? attributes);

/// <summary>What the verifier hook decided about a program.</summary>
/// <param name="Accepted">True when the program may load.</param>
/// <param name="Log">The verifier log (empty when none).</param>
/// <param name="Errno">The error to return on rejection (negative; typically -EACCES or -EINVAL).</param>
/// <param name="StackDepth">
/// For an accepted program, the bytes below the frame pointer its main function can touch (what the engine must
/// zero per run); -1 when the verifier does not say, and the whole frame is zeroed.
/// </param>
public sealed record VerificationOutcome(bool Accepted, string Log, int Errno = -Maps.Errno.EACCES, int StackDepth = -1);

/// <summary>What a verifier needs to check a program at <c>BPF_PROG_LOAD</c>.</summary>
/// <param name="Code">The program with map references resolved to live maps (<c>lddw</c> src 0 holding map handles or value addresses).</param>
/// <param name="OriginalCode">The program as submitted (pseudo <c>lddw</c>s with fds).</param>
/// <param name="IndexedCode">The program with each map fd of a pseudo <c>lddw</c> (src 1, 2) replaced by its index in <paramref name="Maps"/>, the form <c>SharpBpf.Verifier.BpfVerifier</c> checks.</param>
/// <param name="Type">The program type.</param>
/// <param name="Maps">The maps the program references, in first-use order.</param>
/// <param name="Helpers">The helpers available to it.</param>
/// <param name="LogLevel">The requested log level.</param>
public sealed record VerificationRequest(Bytecode Code, Bytecode OriginalCode, Bytecode IndexedCode, BpfProgramType Type, IReadOnlyList<BpfMap> Maps, HelperTable Helpers, uint LogLevel);

/// <summary>
/// The verifier as <see cref="BpfSystem"/> calls it during <c>BPF_PROG_LOAD</c> (after map resolution and the
/// security hook, before runtime selection). None is installed by default.
/// </summary>
public interface IProgramVerifier
{
    /// <summary>Checks a program.</summary>
    VerificationOutcome Verify(VerificationRequest request);
}

/// <summary><c>BPF_PROG_LOAD</c> attributes.</summary>
public sealed record ProgLoadAttributes
{
    /// <summary>The program type.</summary>
    public required BpfProgramType Type { get; init; }

    /// <summary>The instructions (pseudo <c>lddw</c>s with map fds allowed).</summary>
    public required IReadOnlyList<Instruction> Instructions { get; init; }

    /// <summary>The license string (<c>"GPL"</c>, ...).</summary>
    public string License { get; init; } = "";

    /// <summary>The program's name (at most 15 characters, as <c>BPF_OBJ_NAME_LEN</c> - 1).</summary>
    public string Name { get; init; } = "";

    /// <summary>Verifier log level (0 = no log).</summary>
    public uint LogLevel { get; init; }

    /// <summary>Size of the caller's log buffer in bytes; the log is truncated to it (a too-small buffer gives -ENOSPC as in the kernel).</summary>
    public uint LogSize { get; init; }
}

/// <summary><c>BPF_PROG_LOAD</c> output.</summary>
/// <param name="Fd">The program's fd (also the result code).</param>
/// <param name="Log">The verifier/loader log (empty unless a log level was set or the load failed).</param>
/// <param name="Engine">The engine chosen ("jit", "interpreter").</param>
public sealed record ProgLoadOutput(int Fd, string Log, string Engine);

/// <summary><c>BPF_PROG_TEST_RUN</c> attributes.</summary>
public sealed record ProgTestRunAttributes
{
    /// <summary>The program fd.</summary>
    public required int ProgramFd { get; init; }

    /// <summary>Input packet (packet types) or input memory (raw memory type).</summary>
    public ReadOnlyMemory<byte> DataIn { get; init; }

    /// <summary>Input context (non-packet types: the context struct; empty for none).</summary>
    public ReadOnlyMemory<byte> ContextIn { get; init; }

    /// <summary>Number of runs (0 means 1); the reported duration is the mean.</summary>
    public uint Repeat { get; init; } = 1;

    /// <summary>Packet metadata for packet types (data is taken from <see cref="DataIn"/>).</summary>
    public PacketInput? Packet { get; init; }
}

/// <summary><c>BPF_PROG_TEST_RUN</c> output.</summary>
/// <param name="ReturnValue">r0 of the last run (<c>retval</c>).</param>
/// <param name="DataOut">The packet or memory after the last run.</param>
/// <param name="ContextOut">The context after the last run (non-packet types with a context).</param>
/// <param name="DurationNs">Mean time per run in nanoseconds (<c>duration</c>).</param>
/// <param name="Packet">The full packet result for packet types.</param>
public sealed record ProgTestRunOutput(ulong ReturnValue, byte[] DataOut, byte[] ContextOut, ulong DurationNs, PacketRunResult? Packet);

/// <summary>What an fd refers to.</summary>
public enum BpfObjectKind
{
    /// <summary>A map.</summary>
    Map,
    /// <summary>A program.</summary>
    Program,
    /// <summary>An attach point (host event, packet hook).</summary>
    AttachPoint,
}

/// <summary><c>BPF_OBJ_GET_INFO_BY_FD</c> output (<c>bpf_map_info</c> / <c>bpf_prog_info</c> fields).</summary>
public sealed record BpfObjectInfo
{
    /// <summary>What the fd refers to.</summary>
    public required BpfObjectKind Kind { get; init; }

    /// <summary>The object's id (map id, program id).</summary>
    public required uint Id { get; init; }

    /// <summary>The object's name.</summary>
    public required string Name { get; init; }

    /// <summary>Map type (maps).</summary>
    public MapType MapType { get; init; }

    /// <summary>Key size (maps).</summary>
    public uint KeySize { get; init; }

    /// <summary>Value size (maps).</summary>
    public uint ValueSize { get; init; }

    /// <summary>Maximum entries (maps).</summary>
    public uint MaxEntries { get; init; }

    /// <summary>Creation flags (maps).</summary>
    public uint MapFlags { get; init; }

    /// <summary>Program type (programs).</summary>
    public BpfProgramType ProgramType { get; init; }

    /// <summary>Number of instructions as loaded (programs, <c>xlated_prog_len</c> / 8).</summary>
    public int InstructionCount { get; init; }

    /// <summary>Ids of the maps the program uses (programs).</summary>
    public IReadOnlyList<uint> MapIds { get; init; } = [];

    /// <summary>The engine running it (programs).</summary>
    public string Engine { get; init; } = "";

    /// <summary>Completed runs through the system (programs, <c>run_cnt</c>).</summary>
    public ulong RunCount { get; init; }

    /// <summary>Total run time in nanoseconds (programs, <c>run_time_ns</c>).</summary>
    public ulong RunTimeNs { get; init; }
}

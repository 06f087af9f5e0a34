using SharpBpf.Maps;
using SharpBpf.ProgramTypes;
using SharpBpf.Verifier;

namespace SharpBpf.Tests.Verifier;

public class MapAndHelperTests : VerifierTestBase
{
    private const string LookupPrologue = """
        r6 = r1
        *(u32 *)(r10 - 4) = 0
        r2 = r10
        r2 += -4
        ld_pseudo r1, 5, 0
        call 1
        """;

    [Fact]
    public void LookupWithNullCheckIsAccepted() =>
        Accepts(LookupPrologue + """

            if r0 == 0 goto out
            r1 = *(u64 *)(r0 + 0)
            r1 += 1
            *(u64 *)(r0 + 0) = r1
            out:
            r0 = 0
            exit
            """, maps: [HashMap()]);

    [Fact]
    public void LookupWithoutNullCheckIsRejected()
    {
        var error = Rejects(LookupPrologue + "\nr1 = *(u64 *)(r0 + 0)\nr0 = 0\nexit", VerifierErrorKind.NullCheckRequired, maps: [HashMap()]);
        Assert.Contains("map_value_or_null", error.Reason);
    }

    [Fact]
    public void NullCheckPropagatesToCopies() =>
        Accepts(LookupPrologue + """

            r6 = r0
            if r0 == 0 goto out
            r1 = *(u64 *)(r6 + 0)
            out:
            r0 = 0
            exit
            """, maps: [HashMap()]);

    [Fact]
    public void NullBranchMakesTheValueZero() =>
        Rejects(LookupPrologue + """

            if r0 != 0 goto out
            r1 = *(u64 *)(r0 + 0)
            out:
            r0 = 0
            exit
            """, VerifierErrorKind.InvalidMemoryAccess, maps: [HashMap()]);

    [Fact]
    public void AccessBeyondValueSizeIsRejectedWithMapName()
    {
        var error = Rejects(LookupPrologue + """

            if r0 == 0 goto out
            r1 = *(u64 *)(r0 + 8)
            out:
            r0 = 0
            exit
            """, VerifierErrorKind.OutOfBoundsAccess, maps: [ArrayMap("counts", 12)]);
        Assert.Equal("invalid access to map value 'counts': offset 8 size 8 exceeds value size 12", error.Reason);
    }

    [Fact]
    public void VariableIndexMustBeBounded()
    {
        const string UnboundedIndex = LookupPrologue + """

            if r0 == 0 goto out
            r1 = *(u32 *)(r6 + 0)
            r0 += r1
            r1 = *(u8 *)(r0 + 0)
            out:
            r0 = 0
            exit
            """;
        // Privileged, as Linux: the addition makes an unbounded pointer, rejected where it is dereferenced.
        var error = Rejects(UnboundedIndex, VerifierErrorKind.OutOfBoundsAccess, maps: [ArrayMap(value: 16)]);
        Assert.Equal(10, error.InstructionIndex);
        // Unprivileged: the result of the addition must already be in bounds.
        Assert.Equal(9, Rejects(UnboundedIndex, VerifierErrorKind.PointerArithmetic, maps: [ArrayMap(value: 16)],
            options: Unprivileged).InstructionIndex);
        Accepts(LookupPrologue + """

            if r0 == 0 goto out
            r1 = *(u32 *)(r6 + 0)
            if r1 > 15 goto out
            r0 += r1
            r1 = *(u8 *)(r0 + 0)
            out:
            r0 = 0
            exit
            """, maps: [ArrayMap(value: 16)]);
    }

    [Fact]
    public void NegativeIndexIsRejected() =>
        Rejects(LookupPrologue + """

            if r0 == 0 goto out
            r1 = *(u32 *)(r6 + 0)
            r1 = (s8)r1
            if r1 s> 15 goto out
            r0 += r1
            r1 = *(u8 *)(r0 + 0)
            out:
            r0 = 0
            exit
            """, VerifierErrorKind.OutOfBoundsAccess, maps: [ArrayMap(value: 16)]);

    [Fact]
    public void KeyMustBeInitialized() =>
        Rejects("""
            r2 = r10
            r2 += -4
            ld_pseudo r1, 5, 0
            call 1
            r0 = 0
            exit
            """, VerifierErrorKind.HelperArgument, type: BpfProgramType.SocketFilter, maps: [HashMap()], options: Unprivileged,
            reasonContains: "not initialized");

    [Fact]
    public void KeyMustBeMemory() =>
        Rejects("""
            r2 = 0
            ld_pseudo r1, 5, 0
            call 1
            r0 = 0
            exit
            """, VerifierErrorKind.HelperArgument, maps: [HashMap()]);

    [Fact]
    public void MapArgumentMustBeAMap() =>
        Rejects("""
            *(u32 *)(r10 - 4) = 0
            r2 = r10
            r2 += -4
            r1 = 0
            call 1
            r0 = 0
            exit
            """, VerifierErrorKind.HelperArgument);

    [Fact]
    public void MapTypeMustFitTheHelper() =>
        Rejects("""
            *(u32 *)(r10 - 4) = 0
            r2 = r10
            r2 += -4
            ld_pseudo r1, 5, 0
            call 1
            r0 = 0
            exit
            """, VerifierErrorKind.HelperArgument, maps: [RingBuf()]);

    [Fact]
    public void InvalidMapIndexIsRejected() =>
        Rejects("ld_pseudo r1, 5, 3\nr0 = 0\nexit", VerifierErrorKind.InvalidMapReference, maps: [HashMap()]);

    [Fact]
    public void UpdateNeedsKeyAndValueOfTheRightSize()
    {
        const string Update = """
            *(u32 *)(r10 - 4) = 0
            *(u64 *)(r10 - 16) = 0
            r2 = r10
            r2 += -4
            r3 = r10
            r3 += -16
            r4 = 0
            ld_pseudo r1, 5, 0
            call 2
            r0 = 0
            exit
            """;
        Accepts(Update, type: BpfProgramType.SocketFilter, maps: [HashMap()], options: Unprivileged);
        Rejects(Update, VerifierErrorKind.HelperArgument, type: BpfProgramType.SocketFilter, maps: [HashMap(value: 16)], options: Unprivileged);
    }

    [Fact]
    public void UnknownHelperIsRejected() => Rejects("call 9999\nr0 = 0\nexit", VerifierErrorKind.UnknownHelper);

    [Fact]
    public void HelperMustBeAllowedForTheProgramType()
    {
        // bpf_probe_read is a tracing helper: socket filters cannot call it (Linux 6.x gives every type
        // bpf_get_current_pid_tgid, so that one is no longer a good example).
        Rejects("r1 = r10\nr1 += -8\nr2 = 8\nr3 = 0\ncall 4\nr0 = 0\nexit", VerifierErrorKind.HelperNotAllowed, type: BpfProgramType.SocketFilter);
    }

    [Fact]
    public void MemoryAndSizeArguments()
    {
        // probe_read(dst = stack, size, src): size must be bounded, destination large enough.
        Accepts("""
            r1 = r10
            r1 += -16
            r2 = 16
            r3 = 0
            call 4
            r0 = *(u64 *)(r10 - 16)
            r0 = 0
            exit
            """, type: BpfProgramType.Kprobe);
        Rejects("""
            r1 = r10
            r1 += -16
            r2 = 17
            r3 = 0
            call 4
            r0 = 0
            exit
            """, VerifierErrorKind.HelperArgument, type: BpfProgramType.Kprobe);
        Rejects("""
            r6 = r1
            r1 = r10
            r1 += -16
            r2 = *(u64 *)(r6 + 0)
            r3 = 0
            call 4
            r0 = 0
            exit
            """, VerifierErrorKind.HelperArgument, type: BpfProgramType.Kprobe, reasonContains: "negative");
    }

    [Fact]
    public void InitializedMemoryArgumentMustBeInitialized()
    {
        const string Output = """
            ld_pseudo r1, 5, 0
            r2 = r10
            r2 += -8
            r3 = 8
            r4 = 0
            call 130
            r0 = 0
            exit
            """;
        Rejects(Output, VerifierErrorKind.HelperArgument, type: BpfProgramType.SocketFilter, maps: [RingBuf()], options: Unprivileged,
            reasonContains: "not initialized");
        // Privileged (allow_uninit_stack): the helper reads whatever the stack holds.
        Accepts(Output, type: BpfProgramType.SocketFilter, maps: [RingBuf()]);
    }

    [Fact]
    public void ReadOnlyGlobalDataCannotBeWritten()
    {
        var rodata = new MapDefinition { Name = ".rodata", Type = MapType.Array, KeySize = 4, ValueSize = 16, MaxEntries = 1, ReadOnlyForPrograms = true };
        Accepts("ld_pseudo r1, 6, 0x400000000\nr0 = *(u32 *)(r1 + 0)\nexit", maps: [rodata]);
        Rejects("ld_pseudo r1, 6, 0x400000000\n*(u32 *)(r1 + 0) = 1\nr0 = 0\nexit", VerifierErrorKind.InvalidMemoryAccess, maps: [rodata]);
    }

    [Fact]
    public void UnprivilegedCannotStorePointersIntoMaps()
    {
        const string Program = LookupPrologue + """

            if r0 == 0 goto out
            *(u64 *)(r0 + 0) = r10
            out:
            r0 = 0
            exit
            """;
        Accepts(Program, maps: [HashMap()]);
        Rejects(Program, VerifierErrorKind.PointerLeak, maps: [HashMap()], options: new VerifierOptions { Privileged = false });
    }

    [Fact]
    public void UnprivilegedCannotPassPointersAsNumbers() =>
        Rejects("r1 = r10\nr2 = 0\ncall 130\nr0 = 0\nexit", VerifierErrorKind.HelperArgument, maps: [RingBuf()]);
}

public class ConstantKeyTests : VerifierTestBase
{
    private const string Lookup = """
        r1 = KEY
        *(u64 *)(r10 - 8) = r1
        r2 = r10
        r2 += -8
        ld_pseudo r1, 5, 0
        call 1
        r0 = *(u32 *)(r0 + 0)
        r0 = 0
        exit
        """;

    [Fact]
    public void ArrayLookupWithConstantInRangeKeyIsNotNull() =>
        Accepts(Lookup.Replace("KEY", "3", StringComparison.Ordinal), maps: [ArrayMap()]);

    [Fact]
    public void ArrayLookupWithZeroKeyIsNotNull() =>
        Accepts("""
            *(u32 *)(r10 - 4) = 0
            r2 = r10
            r2 += -4
            ld_pseudo r1, 5, 0
            call 1
            r0 = *(u32 *)(r0 + 8)
            r0 = 0
            exit
            """, maps: [ArrayMap()]);

    [Fact]
    public void ArrayLookupWithOutOfRangeKeyNeedsNullCheck() =>
        Rejects(Lookup.Replace("KEY", "4", StringComparison.Ordinal), VerifierErrorKind.NullCheckRequired, maps: [ArrayMap()]);

    [Fact]
    public void HashLookupWithConstantKeyNeedsNullCheck() =>
        Rejects(Lookup.Replace("KEY", "0", StringComparison.Ordinal), VerifierErrorKind.NullCheckRequired, maps: [HashMap()]);
}

using SharpBpf.ProgramTypes;
using SharpBpf.Verifier;

namespace SharpBpf.Tests.Verifier;

public class PacketAndContextTests : VerifierTestBase
{
    private const string XdpPrologue = """
        r2 = *(u32 *)(r1 + 0)
        r3 = *(u32 *)(r1 + 4)
        """;

    [Fact]
    public void CheckedPacketAccessIsAccepted() =>
        Accepts(XdpPrologue + """

            r4 = r2
            r4 += 14
            if r4 > r3 goto drop
            r0 = *(u16 *)(r2 + 12)
            r0 = 2
            exit
            drop:
            r0 = 1
            exit
            """, BpfProgramType.Xdp);

    [Fact]
    public void UncheckedPacketAccessIsRejected()
    {
        var error = Rejects(XdpPrologue + "\nr0 = *(u16 *)(r2 + 12)\nr0 = 2\nexit", VerifierErrorKind.PacketAccessUnchecked, BpfProgramType.Xdp);
        Assert.Contains("data_end", error.Reason);
    }

    [Fact]
    public void AccessBeyondTheCheckedRangeIsRejected() =>
        Rejects(XdpPrologue + """

            r4 = r2
            r4 += 14
            if r4 > r3 goto drop
            r0 = *(u32 *)(r2 + 12)
            drop:
            r0 = 1
            exit
            """, VerifierErrorKind.PacketAccessUnchecked, BpfProgramType.Xdp);

    [Fact]
    public void RangeHoldsOnlyOnTheCheckedBranch() =>
        Rejects(XdpPrologue + """

            r4 = r2
            r4 += 14
            if r4 > r3 goto drop
            r0 = 2
            exit
            drop:
            r0 = *(u8 *)(r2 + 0)
            r0 = 1
            exit
            """, VerifierErrorKind.PacketAccessUnchecked, BpfProgramType.Xdp);

    [Fact]
    public void ReversedComparisonWithDataEnd() =>
        Accepts(XdpPrologue + """

            r4 = r2
            r4 += 8
            if r3 >= r4 goto ok
            r0 = 1
            exit
            ok:
            r0 = *(u64 *)(r2 + 0)
            r0 = 2
            exit
            """, BpfProgramType.Xdp);

    [Fact]
    public void VariableOffsetNeedsItsOwnCheck()
    {
        Rejects(XdpPrologue + """

            r4 = r2
            r4 += 14
            if r4 > r3 goto drop
            r5 = *(u8 *)(r2 + 0)
            r2 += r5
            r0 = *(u8 *)(r2 + 0)
            drop:
            r0 = 1
            exit
            """, VerifierErrorKind.PacketAccessUnchecked, BpfProgramType.Xdp);
        Accepts(XdpPrologue + """

            r4 = r2
            r4 += 14
            if r4 > r3 goto drop
            r5 = *(u8 *)(r2 + 0)
            r2 += r5
            r4 = r2
            r4 += 1
            if r4 > r3 goto drop
            r0 = *(u8 *)(r2 + 0)
            drop:
            r0 = 1
            exit
            """, BpfProgramType.Xdp);
    }

    [Fact]
    public void PacketEndCannotBeDereferenced() =>
        Rejects(XdpPrologue + "\nr0 = *(u8 *)(r3 + 0)\nexit", VerifierErrorKind.InvalidMemoryAccess, BpfProgramType.Xdp);

    [Fact]
    public void PacketEndArithmeticIsRejected() =>
        Rejects(XdpPrologue + "\nr3 += 1\nr0 = 1\nexit", VerifierErrorKind.PointerArithmetic, BpfProgramType.Xdp);

    [Fact]
    public void PacketMinusPacketIsAScalar() =>
        Accepts(XdpPrologue + "\nr3 -= r2\nr0 = 1\nexit", BpfProgramType.Xdp);

    [Fact]
    public void ComparingPointersOfDifferentKindsNeedsPrivilege()
    {
        const string Program = "ld_pseudo r4, 5, 0\nr0 = 0\nif r10 > r4 goto out\nout:\nexit";
        Accepts(Program, maps: [HashMap()]);
        Rejects(Program, VerifierErrorKind.PointerComparison, maps: [HashMap()], options: new VerifierOptions { Privileged = false });
    }

    [Fact]
    public void ContextFieldsFollowTheProgramType()
    {
        // __sk_buff.len at offset 0 is readable, not writable; offset 1000 is not a field.
        Accepts("r0 = *(u32 *)(r1 + 0)\nr0 = 0\nexit", BpfProgramType.SocketFilter);
        Rejects("*(u32 *)(r1 + 0) = 1\nr0 = 0\nexit", VerifierErrorKind.InvalidContextAccess, BpfProgramType.SocketFilter);
        Rejects("r0 = *(u32 *)(r1 + 1000)\nr0 = 0\nexit", VerifierErrorKind.InvalidContextAccess, BpfProgramType.SocketFilter);
    }

    [Fact]
    public void ModifiedContextPointerCannotBeDereferenced() =>
        Rejects("r1 += 4\nr0 = *(u32 *)(r1 + 0)\nexit", VerifierErrorKind.InvalidContextAccess, BpfProgramType.SocketFilter);

    [Fact]
    public void PointersCannotBeStoredIntoTheContext() =>
        Rejects("*(u32 *)(r1 + 48) = r10\nr0 = 0\nexit", VerifierErrorKind.PointerLeak, BpfProgramType.SocketFilter);

    [Fact]
    public void ReturnValueMustFitTheProgramType()
    {
        Accepts("r0 = 2\nexit", BpfProgramType.Xdp);
        var error = Rejects("r0 = *(u32 *)(r1 + 0)\nexit", VerifierErrorKind.InvalidReturnValue, BpfProgramType.CgroupSkb);
        Assert.Contains("r0", error.Reason);
        Rejects("r0 = r1\nexit", VerifierErrorKind.InvalidReturnValue, BpfProgramType.CgroupSkb);
    }

    [Fact]
    public void LegacyPacketLoadsOnlyWhereAllowed()
    {
        Accepts("r6 = r1\nr0 = *(u16 *)skb[12]\nexit", BpfProgramType.SocketFilter);
        Rejects("r6 = r1\nr0 = *(u16 *)skb[12]\nexit", VerifierErrorKind.InvalidContextAccess, BpfProgramType.Xdp);
        Rejects("r0 = *(u16 *)skb[12]\nexit", VerifierErrorKind.UninitializedRegister, BpfProgramType.SocketFilter);
    }

    [Fact]
    public void UnprivilegedReturnOfAPointerIsALeak() =>
        Rejects("r0 = r10\nexit", VerifierErrorKind.PointerLeak, BpfProgramType.Unspecified, options: new VerifierOptions { Privileged = false });

    [Fact]
    public void VariableContextOffsetIsRejectedAtTheAccess()
    {
        const string Program = "r6 = r1\ncall 7\nr0 &= 4\nr6 += r0\nr2 = *(u32 *)(r6 + 0)\nr0 = 0\nexit";
        // Privileged, as Linux: the addition is allowed, the load through the moved pointer is not.
        Assert.Equal(4, Rejects(Program, VerifierErrorKind.InvalidContextAccess, BpfProgramType.SocketFilter, reasonContains: "variable").InstructionIndex);
        Accepts("r6 = r1\ncall 7\nr0 &= 4\nr6 += r0\nr0 = 0\nexit", BpfProgramType.SocketFilter);
        Assert.Equal(3, Rejects(Program, VerifierErrorKind.InvalidContextAccess, BpfProgramType.SocketFilter, options: Unprivileged).InstructionIndex);
    }

    [Fact]
    public void UnboundedPacketOffsetProvesNoRange()
    {
        // r2 + (u32) may be far past MAX_PACKET_OFF: the comparison with data_end proves nothing, the load fails.
        var error = Rejects("""
            r2 = *(u32 *)(r1 + 0)
            r3 = *(u32 *)(r1 + 4)
            r4 = r2
            r4 += 14
            if r4 > r3 goto out
            r5 = *(u32 *)(r2 + 0)
            r2 += r5
            r6 = r2
            r6 += 1
            if r6 > r3 goto out
            r0 = *(u8 *)(r2 + 0)
            out:
            r0 = 2
            exit
            """, VerifierErrorKind.PacketAccessUnchecked, BpfProgramType.Xdp);
        Assert.Equal(10, error.InstructionIndex);
    }
}

using SharpBpf.ProgramTypes;
using SharpBpf.Verifier;

namespace SharpBpf.Tests.Verifier;

/// <summary>Socket pointers loaded from contexts (PTR_TO_SOCKET, PTR_TO_SOCK_COMMON and their or-null forms).</summary>
public class SocketPointerTests : VerifierTestBase
{
    private const string SkBuffSk = "r2 = *(u64 *)(r1 + 168)\n";

    [Fact]
    public void SkBuffSkIsASockCommonThatMayBeNull()
    {
        var result = Verify(SkBuffSk + "if r2 == 0 goto out\nr0 = *(u32 *)(r2 + 4)\nout:\nr0 = 0\nexit", BpfProgramType.SocketFilter,
            options: new VerifierOptions { LogLevel = 2 });
        Assert.True(result.Accepted, result.Error?.ToString());
        Assert.Contains("R2=sock_common_or_null(id=", result.Log);
        Assert.Contains("R2=sock_common(id=", result.Log);
    }

    [Fact]
    public void NullBranchHoldsZero()
    {
        // On the branch where the pointer is NULL it is the number 0, which cannot be dereferenced.
        var error = Rejects(SkBuffSk + "if r2 != 0 goto out\nr0 = *(u32 *)(r2 + 4)\nout:\nr0 = 0\nexit",
            VerifierErrorKind.InvalidMemoryAccess, BpfProgramType.SocketFilter);
        Assert.Equal(2, error.InstructionIndex);
        Assert.Contains("scalar", error.Reason);
    }

    [Fact]
    public void FieldsFollowTheSocketKind()
    {
        // protocol (offset 12) is hidden behind a sock_common, visible through a full socket.
        Rejects(SkBuffSk + "if r2 == 0 goto out\nr0 = *(u32 *)(r2 + 12)\nout:\nr0 = 0\nexit", VerifierErrorKind.InvalidMemoryAccess,
            BpfProgramType.SocketFilter, reasonContains: "sock_common");
        Accepts("r2 = *(u64 *)(r1 + 72)\nr0 = *(u32 *)(r2 + 12)\nr0 = 1\nexit", BpfProgramType.SkMsg);
        Accepts("r2 = *(u64 *)(r1 + 184)\nif r2 == 0 goto out\nr0 = *(u32 *)(r2 + 12)\nout:\nr0 = 1\nexit", BpfProgramType.SockOps);
        Rejects("r2 = *(u64 *)(r1 + 184)\nr0 = *(u32 *)(r2 + 12)\nr0 = 1\nexit", VerifierErrorKind.NullCheckRequired, BpfProgramType.SockOps);
    }

    [Fact]
    public void SocketsAreReadOnlyAndCannotBeMoved()
    {
        const string Sk = "r2 = *(u64 *)(r1 + 64)\n";
        Rejects(Sk + "*(u32 *)(r2 + 16) = 1\nr0 = 1\nexit", VerifierErrorKind.InvalidMemoryAccess, BpfProgramType.CgroupSockAddr, reasonContains: "read-only");
        Rejects(Sk + "r2 += 4\nr0 = 1\nexit", VerifierErrorKind.PointerArithmetic, BpfProgramType.CgroupSockAddr);
        Rejects(Sk + "r0 = *(u32 *)(r2 + 80)\nr0 = 1\nexit", VerifierErrorKind.OutOfBoundsAccess, BpfProgramType.CgroupSockAddr);
        Rejects(Sk + "r0 = *(u64 *)(r2 + 0)\nr0 = 1\nexit", VerifierErrorKind.InvalidMemoryAccess, BpfProgramType.CgroupSockAddr);
    }

    [Fact]
    public void UnprivilegedProgramsCannotLeakTheSocketAddress()
    {
        Accepts(SkBuffSk + "if r2 == 0 goto out\nr0 = *(u32 *)(r2 + 4)\nout:\nr0 = 0\nexit", BpfProgramType.SocketFilter, options: Unprivileged);
        Rejects(SkBuffSk + "r0 = r2\nexit", VerifierErrorKind.PointerLeak, BpfProgramType.SocketFilter, options: Unprivileged);
        Rejects(SkBuffSk + "if r2 > 4 goto out\nout:\nr0 = 0\nexit", VerifierErrorKind.NullCheckRequired, BpfProgramType.SocketFilter, options: Unprivileged);
    }

    [Theory]
    [InlineData(4, 4, false, "family")]
    [InlineData(4, 1, false, "family")]
    [InlineData(5, 1, false, null)]          // narrow reads of family only at its start
    [InlineData(57, 1, false, "dst_ip6[0]")] // addresses may be read in pieces anywhere
    [InlineData(48, 4, false, "dst_port")]   // the legacy 4-byte load of the 2-byte port
    [InlineData(50, 2, false, null)]         // the padding after dst_port
    [InlineData(0, 2, false, null)]          // bound_dev_if only whole
    [InlineData(8, 4, false, "type")]
    [InlineData(8, 4, true, null)]           // sock_common hides type, protocol, mark, priority
    [InlineData(20, 4, true, null)]
    [InlineData(72, 4, true, "state")]
    [InlineData(76, 8, false, null)]
    [InlineData(80, 4, false, null)]
    [InlineData(-4, 4, false, null)]
    public void SocketFieldAtFollowsBpfSockIsValidAccess(int offset, int size, bool sockCommon, string? field) =>
        Assert.Equal(field, ContextLayouts.SocketFieldAt(offset, size, sockCommon)?.Name);
}

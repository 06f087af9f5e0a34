using System.Reflection;
using System.Reflection.Emit;
using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Jit;
using SharpBpf.Maps;
using SharpBpf.Runtime;

namespace SharpBpf.Tests.Jit;

/// <summary>
/// Verified programs compiled unchecked call <c>map_lookup_elem</c> directly (the key read in place), as the kernel's
/// JIT inlines it; every other program goes through the helper delegate and its checks.
/// </summary>
public class JitHelperIntrinsicTests
{
    // key = 3 on the stack; r0 = lookup(map, &key); return r0 ? *(u64 *)r0 : 99, after adding 5 to the value.
    private static Bytecode CountingProgram(BpfMap map) => Bytecode.FromInstructions(
    [
        Insn.StMem(Bpf.W, Bpf.REG_10, -4, 3),
        Insn.Mov64Reg(Bpf.REG_2, Bpf.REG_10),
        Insn.Alu64Imm(Bpf.ADD, Bpf.REG_2, -4),
        .. Insn.LdImm64(Bpf.REG_1, map.Handle),
        Insn.EmitCall(HelperIds.MapLookupElem),
        Insn.JmpImm(Bpf.JEQ, Bpf.REG_0, 0, 4),
        Insn.Mov64Imm(Bpf.REG_1, 5),
        Insn.AtomicOp(Bpf.DW, Bpf.ADD, Bpf.REG_0, Bpf.REG_1, 0),
        Insn.LdxMem(Bpf.DW, Bpf.REG_0, Bpf.REG_0, 0),
        Insn.ExitInsn(),
        Insn.Mov64Imm(Bpf.REG_0, 99),
        Insn.ExitInsn(),
    ]);

    private static JitOptions Options(bool verified, JitMemoryMode mode, List<RecordedIl> log) => new()
    {
        MemoryMode = mode,
        UnsafeSkipBoundsChecks = mode == JitMemoryMode.Unchecked,
        Verified = verified,
        IlLog = log,
    };

    private static bool CallsIntrinsic(List<RecordedIl> log) =>
        log.Any(il => il.OpCode == OpCodes.Call && il.Operand is MethodInfo { Name: nameof(JitHelperIntrinsics.MapLookup) });

    [Theory]
    [InlineData(true, JitMemoryMode.Unchecked, true)]
    [InlineData(false, JitMemoryMode.Unchecked, false)]
    [InlineData(true, JitMemoryMode.Checked, false)]
    public void Only_verified_unchecked_code_calls_the_lookup_directly_and_both_paths_agree(bool verified, JitMemoryMode mode, bool direct)
    {
        using var map = BpfMap.Create(new MapDefinition { Name = "counts", Type = MapType.Array, KeySize = 4, ValueSize = 8, MaxEntries = 8 });
        var helpers = StandardHelpers.Register(new HelperTable());
        var log = new List<RecordedIl>();
        var executable = JitCompiler.Compile(CountingProgram(map), helpers, Options(verified, mode, log));
        Assert.Equal(direct, CallsIntrinsic(log));
        var run = executable.RentContext();
        map.AddRegionsTo(run);
        Assert.Equal(5ul, executable.Run(run, 0));
        run = executable.RentContext();
        Assert.Equal(10ul, executable.Run(run, 0));
        Assert.Equal(10ul, map.Lookup<uint, ulong>(3));
    }

    [Theory]
    [InlineData(0u, 0ul)]
    [InlineData(7u, 7ul)]
    [InlineData(8u, 99ul)]          // one past the last element: no value
    [InlineData(0xffff_ffffu, 99ul)]
    public void Known_array_lookups_compiled_inline_find_the_helpers_values(uint key, ulong expected)
    {
        using var map = BpfMap.Create(new MapDefinition { Name = "squares", Type = MapType.Array, KeySize = 4, ValueSize = 8, MaxEntries = 8 });
        for (uint i = 0; i < 8; i++) map.Update(i, (ulong)i);
        // r0 = lookup(map, &key) ? *(u64 *)r0 : 99, with the map's handle put in r1 right before the call (known map).
        var code = Bytecode.FromInstructions(
        [
            Insn.StMem(Bpf.W, Bpf.REG_10, -4, (int)key),
            Insn.Mov64Reg(Bpf.REG_2, Bpf.REG_10),
            Insn.Alu64Imm(Bpf.ADD, Bpf.REG_2, -4),
            .. Insn.LdImm64(Bpf.REG_1, map.Handle),
            Insn.EmitCall(HelperIds.MapLookupElem),
            Insn.JmpImm(Bpf.JEQ, Bpf.REG_0, 0, 2),
            Insn.LdxMem(Bpf.DW, Bpf.REG_0, Bpf.REG_0, 0),
            Insn.ExitInsn(),
            Insn.Mov64Imm(Bpf.REG_0, 99),
            Insn.ExitInsn(),
        ]);
        var helpers = StandardHelpers.Register(new HelperTable());
        var log = new List<RecordedIl>();
        var inline = JitCompiler.Compile(code, helpers, Options(true, JitMemoryMode.Unchecked, log));
        // The inline form multiplies by the slot size and adds the values' address; the helper path has no such constant.
        Assert.Contains(log, il => il.OpCode == OpCodes.Ldc_I8 && il.Operand is long address && (ulong)address == ((ArrayMap)map).ValuesAddress);
        var viaHelper = JitCompiler.Compile(code, helpers, Options(false, JitMemoryMode.Checked, []));
        Assert.Equal(expected, inline.Run([]));
        var run = viaHelper.RentContext();
        map.AddRegionsTo(run);
        Assert.Equal(expected, viaHelper.Run(run, 0));
    }

    [Fact]
    public void A_replaced_lookup_helper_is_called_even_for_verified_code()
    {
        using var map = BpfMap.Create(new MapDefinition { Name = "counts", Type = MapType.Array, KeySize = 4, ValueSize = 8, MaxEntries = 8 });
        int calls = 0;
        var helpers = StandardHelpers.Register(new HelperTable()).Register(HelperIds.MapLookupElem, "map_lookup_elem", (_, _, _, _, _, _) =>
        {
            calls++;
            return 0;
        });
        var log = new List<RecordedIl>();
        var executable = JitCompiler.Compile(CountingProgram(map), helpers, Options(true, JitMemoryMode.Unchecked, log));
        Assert.False(CallsIntrinsic(log));
        Assert.Equal(99ul, executable.Run([]));
        Assert.Equal(1, calls);
    }

    [Fact]
    public void A_stale_map_handle_still_faults_at_the_call()
    {
        var map = BpfMap.Create(new MapDefinition { Name = "gone", Type = MapType.Array, KeySize = 4, ValueSize = 8, MaxEntries = 8 });
        var executable = JitCompiler.Compile(CountingProgram(map), StandardHelpers.Register(new HelperTable()), Options(true, JitMemoryMode.Unchecked, []));
        map.Dispose();
        var e = Assert.Throws<BpfRuntimeException>(() => executable.Run([]));
        Assert.Equal(RuntimeError.HelperFault, e.Error);
        Assert.Equal(5, e.ProgramCounter); // the call (the lddw takes slots 3 and 4)
        Assert.Contains("is not a map", e.Message);
    }
}

using SharpBpf.Isa;
using SharpBpf.Verifier;
using Reg = SharpBpf.Verifier.Reg;

namespace SharpBpf.Tests.Verifier;

/// <summary>Random abstract scalars built from concrete samples: every abstract operation must contain every concrete result.</summary>
public class ScalarSoundnessTests
{
    private static ulong RandomValue(Random random, int shape) => shape switch
    {
        0 => (ulong)random.Next(0, 16),
        1 => (ulong)random.NextInt64(0, 1L << 33),
        2 => (ulong)-random.NextInt64(0, 300),
        3 => 0xffff_fff0UL + (ulong)random.Next(0, 32),
        4 => (ulong)random.NextInt64() << random.Next(0, 40),
        _ => (ulong)random.NextInt64() ^ ((ulong)random.Next() << 32),
    };

    private static (Reg Abstract, ulong[] Members) RandomScalar(Random random)
    {
        int shape = random.Next(0, 6);
        int count = random.Next(1, 5);
        var members = new ulong[count];
        for (int i = 0; i < count; i++) members[i] = RandomValue(random, shape == 5 ? random.Next(0, 5) : shape);
        var r = Reg.Const(members[0]);
        foreach (ulong v in members.Skip(1))
        {
            r.Var = r.Var.Union(Tnum.Const(v));
            r.UMin = Math.Min(r.UMin, v); r.UMax = Math.Max(r.UMax, v);
            r.SMin = Math.Min(r.SMin, (long)v); r.SMax = Math.Max(r.SMax, (long)v);
            r.U32Min = Math.Min(r.U32Min, (uint)v); r.U32Max = Math.Max(r.U32Max, (uint)v);
            r.S32Min = Math.Min(r.S32Min, (int)(uint)v); r.S32Max = Math.Max(r.S32Max, (int)(uint)v);
        }
        Assert.True(r.Sync());
        foreach (ulong v in members) AssertContains(r, v, "generated");
        return (r, members);
    }

    private static void AssertContains(in Reg r, ulong v, string what)
    {
        bool ok = r.Var.Contains(v) && r.UMin <= v && v <= r.UMax && r.SMin <= (long)v && (long)v <= r.SMax
            && r.U32Min <= (uint)v && (uint)v <= r.U32Max && r.S32Min <= (int)(uint)v && (int)(uint)v <= r.S32Max;
        Assert.True(ok, $"{what}: 0x{v:x} not in var={r.Var} u=[{r.UMin},{r.UMax}] s=[{r.SMin},{r.SMax}] u32=[{r.U32Min},{r.U32Max}] s32=[{r.S32Min},{r.S32Max}]");
    }

    private static ulong Concrete(Operation op, ulong x, ulong y, bool is32)
    {
        if (!is32) return ScalarAlu.Concrete(op, x, y, 64);
        uint a = (uint)x, b = (uint)y;
        return op switch
        {
            Operation.SDiv => b == 0 ? 0 : ((int)a == int.MinValue && (int)b == -1) ? a : (uint)((int)a / (int)b),
            Operation.SMod => b == 0 ? a : (int)b == -1 ? 0 : (uint)((int)a % (int)b),
            Operation.Arsh => (uint)((int)a >> (int)(b & 31)),
            _ => (uint)ScalarAlu.Concrete(op, a, b, 32),
        };
    }

    [Theory]
    [InlineData(Operation.Add)] [InlineData(Operation.Sub)] [InlineData(Operation.Mul)] [InlineData(Operation.Div)]
    [InlineData(Operation.Mod)] [InlineData(Operation.SDiv)] [InlineData(Operation.SMod)] [InlineData(Operation.And)]
    [InlineData(Operation.Or)] [InlineData(Operation.Xor)] [InlineData(Operation.Lsh)] [InlineData(Operation.Rsh)] [InlineData(Operation.Arsh)]
    public void AluResultsContainConcreteResults(Operation op)
    {
        var random = new Random(1234 + (int)op);
        for (int round = 0; round < 1000; round++)
        {
            bool is32 = random.Next(2) == 0;
            var (a, xs) = RandomScalar(random);
            var (b, ys) = RandomScalar(random);
            if (op is Operation.Lsh or Operation.Rsh or Operation.Arsh)
            {
                // Shift amounts: the verifier refuses constant shifts past the width; registers are masked at run time.
                ulong amount = (ulong)random.Next(0, is32 ? 32 : 64);
                (b, ys) = (Reg.Const(amount), [amount]);
            }
            var result = a;
            ScalarAlu.Apply(op, ref result, b, is32);
            foreach (ulong x in xs)
                foreach (ulong y in ys)
                    AssertContains(result, Concrete(op, x, y, is32), $"{op}{(is32 ? "32" : "")} 0x{x:x}, 0x{y:x}");
        }
    }

    [Theory]
    [InlineData(Operation.Jeq)] [InlineData(Operation.Jne)] [InlineData(Operation.Jgt)] [InlineData(Operation.Jge)]
    [InlineData(Operation.Jlt)] [InlineData(Operation.Jle)] [InlineData(Operation.Jsgt)] [InlineData(Operation.Jsge)]
    [InlineData(Operation.Jslt)] [InlineData(Operation.Jsle)] [InlineData(Operation.Jset)]
    public void BranchRefinementKeepsEverySatisfyingPair(Operation op)
    {
        var random = new Random(99 + (int)op);
        for (int round = 0; round < 1000; round++)
        {
            bool is32 = random.Next(2) == 0;
            var (a, xs) = RandomScalar(random);
            var (b, ys) = random.Next(3) == 0 ? (Reg.Const(xs[0]), new[] { xs[0] }) : RandomScalar(random);
            foreach (bool negate in new[] { false, true })
            {
                var ra = a; var rb = b;
                bool feasible = VerifierEngine.Refine(op, ref ra, ref rb, is32, negate);
                foreach (ulong x in xs)
                    foreach (ulong y in ys)
                    {
                        if (Holds(op, x, y, is32) == negate) continue;
                        Assert.True(feasible, $"{op}{(is32 ? "32" : "")} negate={negate}: 0x{x:x}, 0x{y:x} satisfies it but the branch was called infeasible");
                        AssertContains(ra, x, $"{op} negate={negate} left");
                        if (op != Operation.Jset) AssertContains(rb, y, $"{op} negate={negate} right");
                    }
            }
        }
    }

    private static bool Holds(Operation op, ulong x, ulong y, bool is32)
    {
        if (is32) { x = (uint)x; y = (uint)y; }
        long sx = is32 ? (int)(uint)x : (long)x, sy = is32 ? (int)(uint)y : (long)y;
        return op switch
        {
            Operation.Jeq => x == y, Operation.Jne => x != y, Operation.Jgt => x > y, Operation.Jge => x >= y,
            Operation.Jlt => x < y, Operation.Jle => x <= y, Operation.Jsgt => sx > sy, Operation.Jsge => sx >= sy,
            Operation.Jslt => sx < sy, Operation.Jsle => sx <= sy, Operation.Jset => (x & y) != 0,
            _ => throw new ArgumentOutOfRangeException(nameof(op)),
        };
    }

    [Fact]
    public void SignExtensionAndByteSwapContainConcreteResults()
    {
        var random = new Random(7);
        for (int round = 0; round < 1000; round++)
        {
            var (a, xs) = RandomScalar(random);
            foreach (int bits in new[] { 8, 16, 32 })
            {
                var r = ScalarAlu.SignExtend(a, bits);
                foreach (ulong x in xs)
                    AssertContains(r, bits switch { 8 => (ulong)(long)(sbyte)x, 16 => (ulong)(long)(short)x, _ => (ulong)(long)(int)x }, $"movsx{bits}");
            }
            foreach (int bits in new[] { 16, 32, 64 })
            {
                var le = ScalarAlu.ByteSwap(a, bits, swap: false);
                var be = ScalarAlu.ByteSwap(a, bits, swap: true);
                foreach (ulong x in xs)
                {
                    AssertContains(le, bits == 64 ? x : x & ((1UL << bits) - 1), $"le{bits}");
                    ulong swapped = bits switch
                    {
                        16 => System.Buffers.Binary.BinaryPrimitives.ReverseEndianness((ushort)x),
                        32 => System.Buffers.Binary.BinaryPrimitives.ReverseEndianness((uint)x),
                        _ => System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(x),
                    };
                    AssertContains(be, swapped, $"be{bits}");
                }
            }
        }
    }
}

using SharpBpf.Verifier;

namespace SharpBpf.Tests.Verifier;

public class TnumTests
{
    // Soundness: for random tnums and random members of them, the concrete result is a member of the abstract result.
    private static IEnumerable<(Tnum T, ulong Member)> Samples(Random random, int count)
    {
        for (int i = 0; i < count; i++)
        {
            ulong mask = (ulong)random.NextInt64() & (ulong)random.NextInt64() & (random.Next(4) == 0 ? 0xffUL : ulong.MaxValue);
            ulong value = (ulong)random.NextInt64() & ~mask;
            var t = new Tnum(value, mask);
            ulong member = value | ((ulong)random.NextInt64() & mask);
            yield return (t, member);
        }
    }

    public static TheoryData<string> Operations() => new() { "add", "sub", "and", "or", "xor", "mul", "union" };

    [Theory]
    [MemberData(nameof(Operations))]
    public void Binary_operations_are_sound(string op)
    {
        var random = new Random(1234 + op.GetHashCode(StringComparison.Ordinal));
        var left = Samples(random, 2000).ToArray();
        var right = Samples(random, 2000).ToArray();
        for (int i = 0; i < left.Length; i++)
        {
            var (a, x) = left[i];
            var (b, y) = right[i];
            (Tnum abstractResult, ulong concrete) = op switch
            {
                "add" => (a + b, x + y),
                "sub" => (a - b, x - y),
                "and" => (a & b, x & y),
                "or" => (a | b, x | y),
                "xor" => (a ^ b, x ^ y),
                "mul" => (a * b, x * y),
                "union" => (a.Union(b), x),
                _ => throw new ArgumentException(op),
            };
            Assert.True(abstractResult.Contains(concrete), $"{op}: {a} {b} with {x:x} {y:x} gave {concrete:x} outside {abstractResult}");
        }
    }

    [Fact]
    public void Shifts_and_ranges_are_sound()
    {
        var random = new Random(99);
        foreach (var (t, x) in Samples(random, 3000))
        {
            int s = random.Next(64);
            Assert.True(t.ShiftLeft(s).Contains(x << s));
            Assert.True(t.ShiftRight(s).Contains(x >> s));
            Assert.True(t.ArithmeticShiftRight(s, 64).Contains((ulong)((long)x >> s)));
            Assert.True(t.ArithmeticShiftRight(s & 31, 32).Contains((uint)((int)(uint)x >> (s & 31))));
            Assert.True(t.UMin <= x && x <= t.UMax);
            Assert.True(t.SMin <= (long)x && (long)x <= t.SMax);
            ulong lo = (ulong)random.NextInt64(), hi = lo + (ulong)random.Next(1 << 20);
            if (hi < lo) continue;
            var range = Tnum.Range(lo, hi);
            Assert.True(range.Contains(lo) && range.Contains(hi) && range.Contains(lo + (hi - lo) / 2));
        }
    }

    [Fact]
    public void Constants_stay_exact()
    {
        Assert.Equal(Tnum.Const(12), Tnum.Const(5) + Tnum.Const(7));
        Assert.Equal(Tnum.Const(35), Tnum.Const(5) * Tnum.Const(7));
        Assert.Equal(Tnum.Const(0xf0), Tnum.Const(0xff) & Tnum.Const(0xf0));
        Assert.True((Tnum.Unknown & Tnum.Const(0xff)).UMax == 0xff);
        Assert.True(Tnum.Unknown.Includes(Tnum.Const(42)));
        Assert.False(Tnum.Const(42).Includes(Tnum.Unknown));
        Assert.Equal(new Tnum(0, 7), Tnum.Range(0, 7));
    }
}

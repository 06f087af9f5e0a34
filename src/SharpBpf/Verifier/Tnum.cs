using System.Numerics;

namespace SharpBpf.Verifier;

/// <summary>
/// A tristate number, as the kernel verifier tracks scalars: each bit is known 0, known 1, or unknown.
/// <see cref="Value"/> holds the known bits, <see cref="Mask"/> the unknown ones (never both set for a bit).
/// Every operation over-approximates: the result contains every concrete result of the concrete operands.
/// </summary>
public readonly record struct Tnum(ulong Value, ulong Mask)
{
    /// <summary>Completely unknown 64-bit value.</summary>
    public static Tnum Unknown { get; } = new(0, ulong.MaxValue);

    /// <summary>A known constant.</summary>
    public static Tnum Const(ulong value) => new(value, 0);

    /// <summary>The smallest tnum containing every value in <c>[min, max]</c> (unsigned).</summary>
    public static Tnum Range(ulong min, ulong max)
    {
        ulong chi = min ^ max;
        int bits = 64 - BitOperations.LeadingZeroCount(chi);
        if (bits > 63) return Unknown;
        ulong delta = (1UL << bits) - 1;
        return new Tnum(min & ~delta, delta);
    }

    /// <summary>True when every bit is known.</summary>
    public bool IsConst => Mask == 0;

    /// <summary>True when <paramref name="value"/> is one of the values this tnum stands for.</summary>
    public bool Contains(ulong value) => (value & ~Mask) == Value;

    /// <summary>True when every value of <paramref name="other"/> is also a value of this tnum.</summary>
    public bool Includes(Tnum other) => (other.Mask & ~Mask) == 0 && (other.Value & ~Mask) == Value;

    /// <summary>Smallest unsigned value.</summary>
    public ulong UMin => Value;

    /// <summary>Largest unsigned value.</summary>
    public ulong UMax => Value | Mask;

    /// <summary>Smallest signed value.</summary>
    public long SMin => (Mask & (1UL << 63)) != 0 ? (long)(Value | (1UL << 63)) : (long)Value;

    /// <summary>Largest signed value.</summary>
    public long SMax => (Mask & (1UL << 63)) != 0 ? (long)((Value | Mask) & ~(1UL << 63)) : (long)(Value | Mask);

    /// <summary>Addition.</summary>
    public static Tnum operator +(Tnum a, Tnum b)
    {
        ulong sm = a.Mask + b.Mask;
        ulong sv = a.Value + b.Value;
        ulong sigma = sm + sv;
        ulong chi = sigma ^ sv;
        ulong mu = chi | a.Mask | b.Mask;
        return new Tnum(sv & ~mu, mu);
    }

    /// <summary>Subtraction.</summary>
    public static Tnum operator -(Tnum a, Tnum b)
    {
        ulong dv = a.Value - b.Value;
        ulong alpha = dv + a.Mask;
        ulong beta = dv - b.Mask;
        ulong chi = alpha ^ beta;
        ulong mu = chi | a.Mask | b.Mask;
        return new Tnum(dv & ~mu, mu);
    }

    /// <summary>Bitwise and.</summary>
    public static Tnum operator &(Tnum a, Tnum b)
    {
        ulong alpha = a.Value | a.Mask;
        ulong beta = b.Value | b.Mask;
        ulong v = a.Value & b.Value;
        return new Tnum(v, alpha & beta & ~v);
    }

    /// <summary>Bitwise or.</summary>
    public static Tnum operator |(Tnum a, Tnum b)
    {
        ulong v = a.Value | b.Value;
        ulong mu = a.Mask | b.Mask;
        return new Tnum(v, mu & ~v);
    }

    /// <summary>Bitwise xor.</summary>
    public static Tnum operator ^(Tnum a, Tnum b)
    {
        ulong v = a.Value ^ b.Value;
        ulong mu = a.Mask | b.Mask;
        return new Tnum(v & ~mu, mu);
    }

    /// <summary>Multiplication (the kernel's shift-and-add approximation).</summary>
    public static Tnum operator *(Tnum a, Tnum b)
    {
        ulong accV = a.Value * b.Value;
        var accM = new Tnum(0, 0);
        while (a.Value != 0 || a.Mask != 0)
        {
            if ((a.Value & 1) != 0) accM += new Tnum(0, b.Mask);
            else if ((a.Mask & 1) != 0) accM += new Tnum(0, b.Value | b.Mask);
            a = a.ShiftRight(1);
            b = b.ShiftLeft(1);
        }
        return new Tnum(accV, 0) + accM;
    }

    /// <summary>Left shift by a known amount.</summary>
    public Tnum ShiftLeft(int shift) => new(Value << shift, Mask << shift);

    /// <summary>Logical right shift by a known amount.</summary>
    public Tnum ShiftRight(int shift) => new(Value >> shift, Mask >> shift);

    /// <summary>Arithmetic right shift by a known amount, treating the value as <paramref name="width"/> bits wide.</summary>
    public Tnum ArithmeticShiftRight(int shift, int width)
    {
        if (width == 32)
            return new Tnum((uint)((int)(uint)Value >> shift), (uint)((int)(uint)Mask >> shift));
        return new Tnum((ulong)((long)Value >> shift), (ulong)((long)Mask >> shift));
    }

    /// <summary>Bits known in both (the meet): the values both tnums agree on.</summary>
    public Tnum Intersect(Tnum other)
    {
        ulong v = Value | other.Value;
        ulong mu = Mask & other.Mask;
        return new Tnum(v & ~mu, mu);
    }

    /// <summary>The smallest tnum containing both (the join).</summary>
    public Tnum Union(Tnum other)
    {
        ulong mu = Mask | other.Mask | (Value ^ other.Value);
        return new Tnum(Value & ~mu, mu);
    }

    /// <summary>Keeps the low <paramref name="bytes"/> bytes (zero-extending the rest).</summary>
    public Tnum Cast(int bytes)
    {
        if (bytes >= 8) return this;
        ulong keep = (1UL << (bytes * 8)) - 1;
        return new Tnum(Value & keep, Mask & keep);
    }

    /// <summary>The low 32 bits.</summary>
    public Tnum Subreg => Cast(4);

    /// <summary>True when the tnum's values are all multiples of <paramref name="size"/> (a power of two).</summary>
    public bool IsAligned(ulong size) => ((Value | Mask) & (size - 1)) == 0;

    /// <inheritdoc />
    public override string ToString() => IsConst ? $"0x{Value:x}" : $"(0x{Value:x}; 0x{Mask:x})";
}

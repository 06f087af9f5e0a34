using SharpBpf.Isa;

namespace SharpBpf.Verifier;

/// <summary>Abstract arithmetic on scalars: tnum plus interval bounds, over-approximating every concrete result.</summary>
internal static class ScalarAlu
{
    /// <summary>Applies a 64-bit or 32-bit operation; <paramref name="a"/> receives the result.</summary>
    public static void Apply(Operation op, ref Reg a, in Reg b, bool is32)
    {
        if (is32)
        {
            var x = a.Low32();
            var y = b.Low32();
            if (op == Operation.Arsh)
            {
                x = ArithmeticShift32(a, y);
            }
            else if (op is Operation.SDiv or Operation.SMod)
            {
                if (x.IsConst && y.IsConst) x = Reg.Const((uint)SignedDivMod32(op, (int)(uint)x.ConstValue, (int)(uint)y.ConstValue, (uint)x.ConstValue));
                else x = Reg.UnknownOfSize(4);
            }
            else
            {
                Apply64(op, ref x, y, 32);
            }
            x.Truncate32();
            a = x;
            return;
        }
        Apply64(op, ref a, b, 64);
    }

    private static long SignedDivMod32(Operation op, int x, int y, uint original)
    {
        if (op == Operation.SDiv) return y == 0 ? 0 : (x == int.MinValue && y == -1) ? x : x / y;
        return y == 0 ? original : (y == -1 ? 0 : x % y);
    }

    private static Reg ArithmeticShift32(in Reg a, in Reg amount)
    {
        if (!amount.IsConst || amount.ConstValue >= 32) return Reg.UnknownOfSize(4);
        int shift = (int)amount.ConstValue;
        var r = Reg.Unknown();
        r.Var = a.Var.Subreg.ArithmeticShiftRight(shift, 32);
        r.S32Min = a.S32Min >> shift; r.S32Max = a.S32Max >> shift;
        r.UMax = uint.MaxValue; r.SMin = 0; r.SMax = uint.MaxValue;
        if (!r.Sync()) return Reg.UnknownOfSize(4);
        return r;
    }

    private static void Apply64(Operation op, ref Reg a, in Reg b, int width)
    {
        if (a.IsConst && b.IsConst)
        {
            a = Reg.Const(Concrete(op, a.ConstValue, b.ConstValue, width));
            return;
        }
        var r = Reg.Unknown();
        switch (op)
        {
            case Operation.Add:
                r.Var = a.Var + b.Var;
                if (!OverflowAdd(a.SMin, b.SMin, out r.SMin) && !OverflowAdd(a.SMax, b.SMax, out r.SMax)) { }
                else { r.SMin = long.MinValue; r.SMax = long.MaxValue; }
                if (a.UMax + b.UMax >= a.UMax && b.UMax <= ulong.MaxValue - a.UMax) { r.UMin = a.UMin + b.UMin; r.UMax = a.UMax + b.UMax; }
                break;
            case Operation.Sub:
                r.Var = a.Var - b.Var;
                if (!OverflowSub(a.SMin, b.SMax, out r.SMin) && !OverflowSub(a.SMax, b.SMin, out r.SMax)) { }
                else { r.SMin = long.MinValue; r.SMax = long.MaxValue; }
                if (a.UMin >= b.UMax) { r.UMin = a.UMin - b.UMax; r.UMax = a.UMax - b.UMin; }
                break;
            case Operation.Mul:
                r.Var = a.Var * b.Var;
                if (a.UMax <= uint.MaxValue && b.UMax <= uint.MaxValue) { r.UMin = a.UMin * b.UMin; r.UMax = a.UMax * b.UMax; }
                break;
            case Operation.And:
                r.Var = a.Var & b.Var;
                r.UMax = Math.Min(a.UMax, b.UMax);
                break;
            case Operation.Or:
                r.Var = a.Var | b.Var;
                r.UMin = Math.Max(a.UMin, b.UMin);
                break;
            case Operation.Xor:
                r.Var = a.Var ^ b.Var;
                break;
            case Operation.Lsh:
                if (b.IsConst && b.ConstValue < (ulong)width)
                {
                    int s = (int)b.ConstValue;
                    r.Var = a.Var.ShiftLeft(s);
                    if (s == 0 || a.UMax <= ulong.MaxValue >> s) { r.UMin = a.UMin << s; r.UMax = a.UMax << s; }
                }
                break;
            case Operation.Rsh:
                if (b.IsConst && b.ConstValue < (ulong)width)
                {
                    int s = (int)b.ConstValue;
                    r.Var = a.Var.ShiftRight(s);
                    r.UMin = a.UMin >> s; r.UMax = a.UMax >> s;
                }
                else if (b.UMax < (ulong)width)
                {
                    r.UMax = a.UMax;
                }
                break;
            case Operation.Arsh:
                if (b.IsConst && b.ConstValue < (ulong)width)
                {
                    int s = (int)b.ConstValue;
                    r.Var = a.Var.ArithmeticShiftRight(s, 64);
                    r.SMin = a.SMin >> s; r.SMax = a.SMax >> s;
                }
                break;
            case Operation.Div:
                if (b.UMin >= 1) { r.UMin = a.UMin / b.UMax; r.UMax = a.UMax / b.UMin; }
                else r.UMax = a.UMax;
                break;
            case Operation.Mod:
                // Modulo by zero leaves the dividend unchanged.
                r.UMax = b.UMin >= 1 ? Math.Min(a.UMax, b.UMax - 1) : a.UMax;
                break;
            default:
                // SDiv, SMod: signed results are not tracked beyond the value being some scalar.
                break;
        }
        if (!r.Sync()) r = Reg.Unknown();
        a = r;
    }

    private static bool OverflowAdd(long x, long y, out long result)
    {
        result = unchecked(x + y);
        return ((x ^ result) & (y ^ result)) < 0;
    }

    private static bool OverflowSub(long x, long y, out long result)
    {
        result = unchecked(x - y);
        return ((x ^ y) & (x ^ result)) < 0;
    }

    /// <summary>The concrete result, with BPF's semantics (division by zero gives 0, modulo by zero keeps the dividend).</summary>
    public static ulong Concrete(Operation op, ulong x, ulong y, int width)
    {
        int mask = width - 1;
        return op switch
        {
            Operation.Add => x + y,
            Operation.Sub => x - y,
            Operation.Mul => x * y,
            Operation.Div => y == 0 ? 0 : x / y,
            Operation.Mod => y == 0 ? x : x % y,
            Operation.SDiv => y == 0 ? 0 : ((long)x == long.MinValue && (long)y == -1) ? x : (ulong)((long)x / (long)y),
            Operation.SMod => y == 0 ? x : (long)y == -1 ? 0 : (ulong)((long)x % (long)y),
            Operation.Or => x | y,
            Operation.And => x & y,
            Operation.Xor => x ^ y,
            Operation.Lsh => x << (int)(y & (ulong)mask),
            Operation.Rsh => x >> (int)(y & (ulong)mask),
            Operation.Arsh => (ulong)((long)x >> (int)(y & (ulong)mask)),
            _ => throw new InvalidOperationException(op.ToString()),
        };
    }

    /// <summary>Sign extension of the low <paramref name="bits"/> bits (movsx), as a 64-bit scalar.</summary>
    public static Reg SignExtend(in Reg src, int bits)
    {
        if (src.IsConst)
        {
            ulong v = src.ConstValue;
            return Reg.Const(bits switch { 8 => (ulong)(long)(sbyte)v, 16 => (ulong)(long)(short)v, _ => (ulong)(long)(int)v });
        }
        long limit = 1L << (bits - 1);
        var r = Reg.Unknown();
        if (src.SMin >= -limit && src.SMax < limit) { r.SMin = src.SMin; r.SMax = src.SMax; }
        else if (src.UMax < (ulong)limit) { r.SMin = (long)src.UMin; r.SMax = (long)src.UMax; }
        else { r.SMin = -limit; r.SMax = limit - 1; }
        if (!r.Sync()) r = Reg.Unknown();
        return r;
    }

    /// <summary>Byte swap or truncation to <paramref name="bits"/> bits (to_le, to_be, bswap).</summary>
    public static Reg ByteSwap(in Reg src, int bits, bool swap)
    {
        if (src.IsConst)
        {
            ulong v = src.ConstValue;
            ulong result = bits switch
            {
                16 => swap ? (ulong)System.Buffers.Binary.BinaryPrimitives.ReverseEndianness((ushort)v) : (ushort)v,
                32 => swap ? System.Buffers.Binary.BinaryPrimitives.ReverseEndianness((uint)v) : (uint)v,
                _ => swap ? System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(v) : v,
            };
            return Reg.Const(result);
        }
        if (!swap)
        {
            if (bits == 64) return src;
            var r = src;
            r.Var = src.Var.Cast(bits / 8);
            r.UMin = 0; r.UMax = bits == 16 ? ushort.MaxValue : uint.MaxValue;
            r.SMin = 0; r.SMax = (long)r.UMax;
            r.U32Min = 0; r.U32Max = uint.MaxValue; r.S32Min = int.MinValue; r.S32Max = int.MaxValue;
            if (src.UMax <= r.UMax) { r.UMin = src.UMin; r.UMax = src.UMax; }
            if (!r.Sync()) r = Reg.UnknownOfSize(bits / 8);
            return r;
        }
        return Reg.UnknownOfSize(bits / 8);
    }
}

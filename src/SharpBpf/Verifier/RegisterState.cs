using System.Text;

namespace SharpBpf.Verifier;

/// <summary>What a register (or a spilled stack slot) holds, as the verifier tracks it.</summary>
internal enum RegType : byte
{
    NotInit,
    Scalar,
    Context,
    Stack,
    MapPointer,
    MapValue,
    Packet,
    PacketEnd,
    PacketMeta,
    RingBufMemory,
    Memory,
    Function,
    /// <summary>PTR_TO_SOCKET: a <c>struct bpf_sock</c>, read-only.</summary>
    Socket,
    /// <summary>PTR_TO_SOCK_COMMON: the fields every socket shares, read-only.</summary>
    SockCommon,
}

[Flags]
internal enum RegFlags : byte
{
    None = 0,
    MaybeNull = 1,
    ReadOnly = 2,
}

/// <summary>
/// The abstract value of one register. For scalars <see cref="Var"/> and the bounds describe the value; for pointers
/// they describe the variable part of the offset, <see cref="Off"/> the fixed part.
/// </summary>
internal struct Reg
{
    public RegType Type;
    public RegFlags Flags;
    /// <summary>Fixed pointer offset.</summary>
    public int Off;
    /// <summary>Identity shared by copies: null-check propagation (or-null), packet range propagation.</summary>
    public int Id;
    /// <summary>Acquired reference (ring-buffer reservation), 0 when none.</summary>
    public int RefId;
    /// <summary>Map index (map pointer, map value).</summary>
    public int Map;
    /// <summary>Proven packet range, relative to the packet pointer's variable base.</summary>
    public int Range;
    /// <summary>Memory size (ring buffer, memory) or target instruction (function).</summary>
    public int Size;
    /// <summary>Frame number of a stack pointer.</summary>
    public int Frame;
    public Tnum Var;
    public long SMin, SMax;
    public ulong UMin, UMax;
    public int S32Min, S32Max;
    public uint U32Min, U32Max;

    public readonly bool IsPointer => Type > RegType.Scalar;
    public readonly bool IsScalar => Type == RegType.Scalar;
    public readonly bool MaybeNull => (Flags & RegFlags.MaybeNull) != 0;
    public readonly bool IsConst => Var.IsConst;
    public readonly ulong ConstValue => Var.Value;

    public static Reg NotInitialized => default;

    public static Reg Unknown()
    {
        var r = new Reg { Type = RegType.Scalar };
        r.MakeUnknownBounds();
        return r;
    }

    public static Reg Const(ulong value)
    {
        var r = new Reg { Type = RegType.Scalar };
        r.SetConstBounds(value);
        return r;
    }

    /// <summary>An unknown scalar that fits in <paramref name="bytes"/> bytes (zero-extended).</summary>
    public static Reg UnknownOfSize(int bytes)
    {
        var r = Unknown();
        if (bytes < 8)
        {
            r.Var = Tnum.Unknown.Cast(bytes);
            r.Sync();
        }
        return r;
    }

    public static Reg Pointer(RegType type, int off = 0)
    {
        var r = new Reg { Type = type, Off = off };
        r.SetConstBounds(0);
        return r;
    }

    public void MakeUnknownBounds()
    {
        Var = Tnum.Unknown;
        SMin = long.MinValue; SMax = long.MaxValue;
        UMin = 0; UMax = ulong.MaxValue;
        S32Min = int.MinValue; S32Max = int.MaxValue;
        U32Min = 0; U32Max = uint.MaxValue;
    }

    public void SetConstBounds(ulong value)
    {
        Var = Tnum.Const(value);
        SMin = SMax = (long)value;
        UMin = UMax = value;
        S32Min = S32Max = (int)(uint)value;
        U32Min = U32Max = (uint)value;
    }

    /// <summary>Keeps tnum, signed/unsigned 64-bit and 32-bit bounds consistent (the kernel's reg_bounds_sync).
    /// Returns false when they contradict each other: no concrete value is possible (a dead branch).</summary>
    public bool Sync()
    {
        for (int round = 0; round < 3; round++)
        {
            UMin = Math.Max(UMin, Var.UMin); UMax = Math.Min(UMax, Var.UMax);
            SMin = Math.Max(SMin, Var.SMin); SMax = Math.Min(SMax, Var.SMax);
            var low = Var.Subreg;
            U32Min = Math.Max(U32Min, (uint)low.UMin); U32Max = Math.Min(U32Max, (uint)low.UMax);
            int s32LowT, s32HighT;
            if ((low.Mask & 0x8000_0000) != 0)
            {
                s32LowT = (int)(uint)(low.Value | 0x8000_0000);
                s32HighT = (int)(uint)((low.Value | low.Mask) & 0x7fff_ffff);
            }
            else
            {
                s32LowT = (int)(uint)low.Value;
                s32HighT = (int)(uint)(low.Value | low.Mask);
            }
            S32Min = Math.Max(S32Min, s32LowT); S32Max = Math.Min(S32Max, s32HighT);

            if (((long)UMin ^ (long)UMax) >= 0) { SMin = Math.Max(SMin, (long)UMin); SMax = Math.Min(SMax, (long)UMax); }
            if ((SMin ^ SMax) >= 0) { UMin = Math.Max(UMin, (ulong)SMin); UMax = Math.Min(UMax, (ulong)SMax); }
            if (((int)U32Min ^ (int)U32Max) >= 0) { S32Min = Math.Max(S32Min, (int)U32Min); S32Max = Math.Min(S32Max, (int)U32Max); }
            if ((S32Min ^ S32Max) >= 0) { U32Min = Math.Max(U32Min, (uint)S32Min); U32Max = Math.Min(U32Max, (uint)S32Max); }

            if (UMin > UMax || SMin > SMax || U32Min > U32Max || S32Min > S32Max) return false;

            if (UMin >> 32 == UMax >> 32)
            {
                U32Min = Math.Max(U32Min, (uint)UMin); U32Max = Math.Min(U32Max, (uint)UMax);
                if (U32Min > U32Max) return false;
                ulong high = UMin & 0xffff_ffff_0000_0000;
                UMin = Math.Max(UMin, high | U32Min); UMax = Math.Min(UMax, high | U32Max);
            }
            if (SMin >> 32 == SMax >> 32)
            {
                U32Min = Math.Max(U32Min, (uint)SMin); U32Max = Math.Min(U32Max, (uint)SMax);
                if (U32Min > U32Max) return false;
                long high = (long)((ulong)SMin & 0xffff_ffff_0000_0000);
                SMin = Math.Max(SMin, high | U32Min); SMax = Math.Min(SMax, high | U32Max);
            }
            if (UMin > UMax || SMin > SMax || U32Min > U32Max || S32Min > S32Max) return false;

            if (!Intersect(ref Var, Tnum.Range(UMin, UMax))) return false;
            var low32 = Tnum.Range(U32Min, U32Max);
            if (!Intersect(ref Var, new Tnum(low32.Value, low32.Mask | 0xffff_ffff_0000_0000))) return false;
        }
        return UMin <= UMax && SMin <= SMax && U32Min <= U32Max && S32Min <= S32Max;
    }

    /// <summary>Meet of two tnums; false when they share no value.</summary>
    public static bool Intersect(ref Tnum a, Tnum b)
    {
        if (((a.Value ^ b.Value) & ~(a.Mask | b.Mask)) != 0) return false;
        a = a.Intersect(b);
        return true;
    }

    /// <summary>The low 32 bits as a zero-extended 64-bit scalar.</summary>
    public readonly Reg Low32()
    {
        var r = new Reg { Type = RegType.Scalar, Var = Var.Subreg, UMin = U32Min, UMax = U32Max, SMin = U32Min, SMax = U32Max,
            U32Min = U32Min, U32Max = U32Max, S32Min = S32Min, S32Max = S32Max };
        r.Sync();
        return r;
    }

    /// <summary>Truncates to the low 32 bits, zero-extended (the result of every 32-bit ALU operation).</summary>
    public void Truncate32()
    {
        uint u32Min = 0, u32Max = uint.MaxValue;
        int s32Min = int.MinValue, s32Max = int.MaxValue;
        if (SMin >> 32 == SMax >> 32) { u32Min = (uint)SMin; u32Max = (uint)SMax; }
        else if (UMin >> 32 == UMax >> 32) { u32Min = (uint)UMin; u32Max = (uint)UMax; }
        if (SMin >= int.MinValue && SMax <= int.MaxValue) { s32Min = (int)SMin; s32Max = (int)SMax; }
        var v = Var.Subreg;
        Var = v;
        U32Min = u32Min; U32Max = u32Max; S32Min = s32Min; S32Max = s32Max;
        UMin = 0; UMax = uint.MaxValue; SMin = 0; SMax = uint.MaxValue;
        if (!Sync())
        {
            // Cannot happen for a sound input; fall back to what the tnum alone says.
            MakeUnknownBounds();
            Var = v;
            Sync();
        }
    }

    /// <summary>True when every value this register can take is also possible for <paramref name="old"/> (scalar parts only).</summary>
    public readonly bool ScalarWithin(in Reg old) =>
        old.UMin <= UMin && old.UMax >= UMax && old.SMin <= SMin && old.SMax >= SMax &&
        old.U32Min <= U32Min && old.U32Max >= U32Max && old.S32Min <= S32Min && old.S32Max >= S32Max &&
        old.Var.Includes(Var);

    public readonly bool ScalarEquals(in Reg other) =>
        Var == other.Var && UMin == other.UMin && UMax == other.UMax && SMin == other.SMin && SMax == other.SMax &&
        U32Min == other.U32Min && U32Max == other.U32Max && S32Min == other.S32Min && S32Max == other.S32Max;

    public readonly bool VarOffsetIsZero => Var.IsConst && Var.Value == 0;

    public readonly string TypeName => Type switch
    {
        RegType.NotInit => "not initialized",
        RegType.Scalar => "scalar",
        RegType.Context => "ctx",
        RegType.Stack => "fp",
        RegType.MapPointer => MaybeNull ? "map_ptr_or_null" : "map_ptr",
        RegType.MapValue => MaybeNull ? "map_value_or_null" : "map_value",
        RegType.Packet => "pkt",
        RegType.PacketEnd => "pkt_end",
        RegType.PacketMeta => "pkt_meta",
        RegType.RingBufMemory => MaybeNull ? "ringbuf_mem_or_null" : "ringbuf_mem",
        RegType.Memory => MaybeNull ? "mem_or_null" : "mem",
        RegType.Function => "func",
        RegType.Socket => MaybeNull ? "sock_or_null" : "sock",
        RegType.SockCommon => MaybeNull ? "sock_common_or_null" : "sock_common",
        _ => Type.ToString(),
    };

    /// <summary>Kernel-style rendering, e.g. <c>scalar(umin=0,umax=255)</c>, <c>map_value(off=0,ks=4,vs=8)</c>, <c>fp-8</c>.</summary>
    public readonly string Format(VerifierContext context)
    {
        switch (Type)
        {
            case RegType.NotInit: return "?";
            case RegType.Scalar:
                if (Var.IsConst) return ((long)Var.Value).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return "scalar(" + BoundsText(includeVar: true) + ")";
            case RegType.Stack:
                return VarOffsetIsZero ? $"fp{Off}" : $"fp(off={Off},{BoundsText(true)})";
        }
        var sb = new StringBuilder(TypeName).Append('(');
        var parts = new List<string>();
        if (Id != 0) parts.Add($"id={Id}");
        if (RefId != 0) parts.Add($"ref_obj_id={RefId}");
        parts.Add($"off={Off}");
        if (Type is RegType.MapValue or RegType.MapPointer)
        {
            var map = context.MapAt(Map);
            parts.Add($"map={map.Name},ks={map.KeySize},vs={map.ValueSize}");
        }
        if (Type is RegType.Packet or RegType.PacketMeta) parts.Add($"r={Range}");
        if (Type is RegType.RingBufMemory or RegType.Memory) parts.Add($"size={Size}");
        if (Type == RegType.Function) parts.Add($"insn={Size}");
        if (!VarOffsetIsZero) parts.Add(BoundsText(true));
        sb.Append(string.Join(",", parts)).Append(')');
        return sb.ToString();
    }

    private readonly string BoundsText(bool includeVar)
    {
        var parts = new List<string>();
        if (SMin != long.MinValue && !(SMin >= 0 && (ulong)SMin == UMin)) parts.Add($"smin={SMin}");
        if (SMax != long.MaxValue && !(SMax >= 0 && (ulong)SMax == UMax)) parts.Add($"smax={SMax}");
        if (UMin != 0) parts.Add($"umin={UMin}");
        if (UMax != ulong.MaxValue) parts.Add($"umax={UMax}");
        if (S32Min != int.MinValue && !(S32Min >= 0 && (uint)S32Min == U32Min) && S32Min != SMin) parts.Add($"smin32={S32Min}");
        if (S32Max != int.MaxValue && !(S32Max >= 0 && (uint)S32Max == U32Max) && S32Max != SMax) parts.Add($"smax32={S32Max}");
        if (U32Min != 0 && U32Min != UMin) parts.Add($"umin32={U32Min}");
        if (U32Max != uint.MaxValue && U32Max != UMax) parts.Add($"umax32={U32Max}");
        if (includeVar && Var != Tnum.Unknown && !(Var.Value == 0 && Var.Mask == (UMax == 0 ? 0 : ulong.MaxValue >> System.Numerics.BitOperations.LeadingZeroCount(UMax))))
            parts.Add($"var_off=(0x{Var.Value:x}; 0x{Var.Mask:x})");
        return string.Join(",", parts);
    }
}

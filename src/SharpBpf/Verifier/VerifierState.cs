using System.Text;
using SharpBpf.Maps;

namespace SharpBpf.Verifier;

/// <summary>Per-byte stack contents.</summary>
internal enum SlotByte : byte { Invalid = 0, Misc = 1, Zero = 2, Spill = 3 }

/// <summary>One 8-byte stack slot: byte kinds (lowest address first) and, for a full spill, the register's state.</summary>
internal struct StackSlot
{
    public ulong Bytes;
    public Reg Spilled;

    public readonly SlotByte this[int i] => (SlotByte)((Bytes >> (i * 8)) & 0xff);

    public void Set(int i, SlotByte kind) => Bytes = (Bytes & ~(0xffUL << (i * 8))) | ((ulong)kind << (i * 8));

    public readonly bool IsSpill => this[0] == SlotByte.Spill;

    public const ulong AllSpill = 0x0303030303030303UL;
    public const ulong AllMisc = 0x0101010101010101UL;
    public const ulong AllZero = 0x0202020202020202UL;
}

/// <summary>Shared, read-only facts the states refer to (maps by index, including inner maps of map-in-map).</summary>
internal sealed class VerifierContext
{
    private readonly List<MapDefinition> _maps;

    public VerifierContext(IReadOnlyList<MapDefinition> maps) => _maps = [.. maps];

    public MapDefinition MapAt(int index) => _maps[index];

    public int MapCount => _maps.Count;

    public int IndexOfInner(MapDefinition inner)
    {
        int i = _maps.FindIndex(m => ReferenceEquals(m, inner));
        if (i >= 0) return i;
        _maps.Add(inner);
        return _maps.Count - 1;
    }
}

/// <summary>One call frame: registers and stack.</summary>
internal sealed class Frame
{
    public readonly Reg[] Regs = new Reg[11];
    public StackSlot[] Stack = [];
    /// <summary>Instruction of the call that created this frame (-1 for the main program).</summary>
    public int CallSite = -1;
    /// <summary>Index of the function this frame runs.</summary>
    public int Function;
    /// <summary>Frame number (0 = main).</summary>
    public int Number;
    /// <summary>For a callback frame: the helper that invokes it (else -1).</summary>
    public int CallbackHelper = -1;
    /// <summary>For a callback frame: reference count at entry.</summary>
    public int CallbackRefs;
    /// <summary>For a callback frame: caller frames at entry, to decide whether another invocation is covered.</summary>
    public Frame[]? CallbackEntry;
    /// <summary>For a callback frame: the arguments it is invoked with (index 1-5).</summary>
    public Reg[]? CallbackArgs;

    public Frame Clone()
    {
        var f = new Frame
        {
            Stack = Stack.Length == 0 ? [] : (StackSlot[])Stack.Clone(),
            CallSite = CallSite, Function = Function, Number = Number,
            CallbackHelper = CallbackHelper, CallbackRefs = CallbackRefs, CallbackEntry = CallbackEntry, CallbackArgs = CallbackArgs,
        };
        Array.Copy(Regs, f.Regs, 11);
        return f;
    }

    /// <summary>Makes sure slots down to byte offset <paramref name="lowest"/> (negative) exist.</summary>
    public void EnsureStack(int lowest)
    {
        int slots = (-lowest + 7) / 8;
        if (slots > Stack.Length) Array.Resize(ref Stack, Math.Max(slots, Math.Min(64, Stack.Length * 2)));
    }

    /// <summary>Kind of the stack byte at negative offset <paramref name="offset"/>.</summary>
    public SlotByte ByteAt(int offset)
    {
        int slot = (-offset - 1) / 8;
        if (slot >= Stack.Length) return SlotByte.Invalid;
        return Stack[slot][(offset + 8 * (slot + 1))];
    }
}

/// <summary>An acquired reference that must be released on every path.</summary>
internal readonly record struct Reference(int Id, int AcquiredAt);

/// <summary>The whole abstract machine state along one path.</summary>
internal sealed class VerifierState
{
    public Frame[] Frames = [];
    public List<Reference> References = [];
    /// <summary>Held spin lock: map index + 1 (0 = none) and the map value pointer id.</summary>
    public int LockMap;
    public int LockId;
    public int Pc;
    /// <summary>Nearest checkpoint on this path.</summary>
    public Checkpoint? Parent;
    /// <summary>Length of the instruction trace when this path was forked.</summary>
    public int TraceLength;

    public Frame Current => Frames[^1];

    public VerifierState Clone()
    {
        var frames = new Frame[Frames.Length];
        for (int i = 0; i < frames.Length; i++) frames[i] = Frames[i].Clone();
        return new VerifierState
        {
            Frames = frames, References = [.. References], LockMap = LockMap, LockId = LockId, Pc = Pc,
            Parent = Parent, TraceLength = TraceLength,
        };
    }

    /// <summary>Applies <paramref name="action"/> to every register and spilled register in every frame.</summary>
    public void ForEachReg(RegAction action)
    {
        foreach (var frame in Frames)
        {
            for (int i = 0; i < 11; i++) action(ref frame.Regs[i]);
            for (int s = 0; s < frame.Stack.Length; s++)
                if (frame.Stack[s].IsSpill) action(ref frame.Stack[s].Spilled);
        }
    }

    public string Format(VerifierContext context, ulong liveMask = ulong.MaxValue)
    {
        var sb = new StringBuilder();
        for (int f = 0; f < Frames.Length; f++)
        {
            var frame = Frames[f];
            if (Frames.Length > 1) sb.Append(f == 0 ? "" : " ").Append($"frame{f}:");
            for (int r = 0; r <= 10; r++)
            {
                if (frame.Regs[r].Type == RegType.NotInit) continue;
                sb.Append(sb.Length == 0 || sb[^1] == ':' ? "" : " ").Append('R').Append(r).Append('=').Append(frame.Regs[r].Format(context));
            }
            for (int s = 0; s < frame.Stack.Length; s++)
            {
                var slot = frame.Stack[s];
                if (slot.Bytes == 0) continue;
                sb.Append(" fp").Append(-8 * (s + 1)).Append('=');
                if (slot.IsSpill) sb.Append(slot.Spilled.Format(context));
                else
                    for (int b = 7; b >= 0; b--)
                        sb.Append(slot[b] switch { SlotByte.Misc => 'm', SlotByte.Zero => '0', SlotByte.Spill => 'r', _ => '?' });
            }
        }
        if (References.Count > 0) sb.Append(" refs=").Append(string.Join(",", References.Select(r => r.Id)));
        return sb.ToString();
    }
}

internal delegate void RegAction(ref Reg reg);

/// <summary>A state stored at a prune point. <see cref="Branches"/> counts paths still being explored below it.</summary>
internal sealed class Checkpoint
{
    public required VerifierState State;
    public Checkpoint? Parent;
    public int Branches;
    public int Hits;
    public int Misses;
}

using System.Reflection;
using System.Reflection.Emit;

namespace SharpBpf.Jit;

/// <summary>
/// The one door to an <see cref="ILGenerator"/>: every emitted instruction passes through here, so tests can
/// record the IL (<see cref="JitOptions.IlLog"/>) and see exactly which constants a compilation produced.
/// </summary>
internal sealed class IlWriter(ILGenerator il, string method, List<RecordedIl>? log)
{
    private void Record(OpCode op, object? operand) => log?.Add(new RecordedIl(method, op, operand));

    public LocalBuilder DeclareLocal(Type type) => il.DeclareLocal(type);
    public Label DefineLabel() => il.DefineLabel();
    public void MarkLabel(Label label) => il.MarkLabel(label);

    public void Emit(OpCode op) { Record(op, null); il.Emit(op); }
    public void Emit(OpCode op, byte value) { Record(op, value); il.Emit(op, value); }
    public void Emit(OpCode op, int value) { Record(op, value); il.Emit(op, value); }
    public void Emit(OpCode op, long value) { Record(op, value); il.Emit(op, value); }
    public void Emit(OpCode op, Label label) { Record(op, label.GetHashCode()); il.Emit(op, label); }
    public void Emit(OpCode op, Label[] labels) { Record(op, labels.Length); il.Emit(op, labels); }
    public void Emit(OpCode op, LocalBuilder local) { Record(op, local.LocalIndex); il.Emit(op, local); }
    public void Emit(OpCode op, MethodInfo method) { Record(op, method); il.Emit(op, method); }
    public void Emit(OpCode op, FieldInfo field) { Record(op, field); il.Emit(op, field); }

    /// <summary>Emits a compiler-chosen int32 constant (not a program immediate) in its shortest form.</summary>
    public void LoadInt(int value)
    {
        switch (value)
        {
            case -1: Emit(OpCodes.Ldc_I4_M1); return;
            case 0: Emit(OpCodes.Ldc_I4_0); return;
            case 1: Emit(OpCodes.Ldc_I4_1); return;
            case 2: Emit(OpCodes.Ldc_I4_2); return;
            case 3: Emit(OpCodes.Ldc_I4_3); return;
            case 4: Emit(OpCodes.Ldc_I4_4); return;
            case 8: Emit(OpCodes.Ldc_I4_8); return;
        }
        if (value is >= sbyte.MinValue and <= sbyte.MaxValue) Emit(OpCodes.Ldc_I4_S, (byte)(sbyte)value);
        else Emit(OpCodes.Ldc_I4, value);
    }

    /// <summary>Emits a compiler-chosen int64 constant.</summary>
    public void LoadLong(long value)
    {
        if (value is >= int.MinValue and <= int.MaxValue)
        {
            LoadInt((int)value);
            Emit(OpCodes.Conv_I8);
        }
        else Emit(OpCodes.Ldc_I8, value);
    }

    public void LoadArg(int index)
    {
        switch (index)
        {
            case 0: Emit(OpCodes.Ldarg_0); return;
            case 1: Emit(OpCodes.Ldarg_1); return;
            case 2: Emit(OpCodes.Ldarg_2); return;
            case 3: Emit(OpCodes.Ldarg_3); return;
            default: Emit(OpCodes.Ldarg_S, (byte)index); return;
        }
    }
}

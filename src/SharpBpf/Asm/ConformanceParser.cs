using SharpBpf.Isa;

namespace SharpBpf.Asm;

/// <summary>
/// Front end for the bpf_conformance (uBPF-style) syntax: a mnemonic from the opcode table (up to three words,
/// e.g. <c>lock fetch add32</c>, <c>call local</c>) followed by comma-separated operands: <c>%rN</c> registers,
/// immediates, <c>[%rN+off]</c> memory operands and branch targets (labels or <c>+N</c>/<c>-N</c>).
/// </summary>
internal static class ConformanceParser
{
    public static Statement Parse(TokenCursor cursor)
    {
        var first = cursor.Peek();
        var (mnemonic, forms) = ReadMnemonic(cursor);
        var form = forms[0];
        Statement Make(InstructionForm f) => new(f, cursor.LineNumber, first.Column);

        Statement statement;
        switch (form.Operation)
        {
            case Operation.Add or Operation.Sub or Operation.Mul or Operation.Div or Operation.SDiv or Operation.Or
                or Operation.And or Operation.Lsh or Operation.Rsh or Operation.Mod or Operation.SMod or Operation.Xor
                or Operation.Mov or Operation.Arsh:
            {
                int dst = Register(cursor);
                cursor.Expect(",");
                if (IsRegister(cursor))
                {
                    statement = Make(OpcodeTable.ByMnemonic(mnemonic, OperandSource.Register));
                    statement.Src = Register(cursor);
                }
                else
                {
                    statement = Make(OpcodeTable.ByMnemonic(mnemonic, OperandSource.Immediate));
                    statement.Immediate = cursor.Immediate32();
                }
                statement.Dst = dst;
                break;
            }
            case Operation.Neg or Operation.ToLe or Operation.ToBe or Operation.Bswap:
                statement = Make(form);
                statement.Dst = Register(cursor);
                break;
            case Operation.MovSx:
                statement = Make(form);
                statement.Dst = Register(cursor);
                cursor.Expect(",");
                statement.Src = Register(cursor);
                break;
            case Operation.Ja:
                statement = Make(form);
                statement.Target = cursor.Target();
                break;
            case Operation.Jeq or Operation.Jgt or Operation.Jge or Operation.Jset or Operation.Jne or Operation.Jsgt
                or Operation.Jsge or Operation.Jlt or Operation.Jle or Operation.Jslt or Operation.Jsle:
            {
                int dst = Register(cursor);
                cursor.Expect(",");
                if (IsRegister(cursor))
                {
                    statement = Make(OpcodeTable.ByMnemonic(mnemonic, OperandSource.Register));
                    statement.Src = Register(cursor);
                }
                else
                {
                    statement = Make(OpcodeTable.ByMnemonic(mnemonic, OperandSource.Immediate));
                    statement.Immediate = cursor.Immediate32();
                }
                statement.Dst = dst;
                cursor.Expect(",");
                statement.Target = cursor.Target();
                break;
            }
            case Operation.CallHelper when IsRegister(cursor):
                // The suite writes callx as "call %r2".
                statement = Make(FormIndex.Find(Operation.CallRegister, OperandSource.Register)!);
                statement.Dst = Register(cursor);
                break;
            case Operation.CallHelper:
                statement = Make(form);
                statement.Immediate = cursor.Immediate32("a helper number");
                break;
            case Operation.CallBtf:
                statement = Make(form);
                statement.Immediate = cursor.Immediate32("a BTF id");
                statement.Offset = KfuncModule(cursor);
                break;
            case Operation.CallLocal:
                statement = Make(form);
                statement.Target = cursor.Target();
                break;
            case Operation.CallRegister:
                statement = Make(form);
                statement.Dst = Register(cursor);
                break;
            case Operation.Exit:
                statement = Make(form);
                break;
            case Operation.LoadImm64:
                statement = Make(form);
                statement.Dst = Register(cursor);
                cursor.Expect(",");
                statement.Immediate = cursor.Immediate64();
                break;
            case Operation.LoadPacketAbs:
                statement = Make(form);
                statement.Immediate = cursor.Immediate32("a packet offset");
                break;
            case Operation.LoadPacketInd:
                statement = Make(form);
                statement.Src = Register(cursor);
                cursor.Expect(",");
                statement.Immediate = cursor.Immediate32("a packet offset");
                break;
            case Operation.Load or Operation.LoadSx:
                statement = Make(form);
                statement.Dst = Register(cursor);
                cursor.Expect(",");
                (statement.Src, statement.Offset) = Memory(cursor);
                break;
            case Operation.StoreImm:
                statement = Make(form);
                (statement.Dst, statement.Offset) = Memory(cursor);
                cursor.Expect(",");
                statement.Immediate = cursor.Immediate32();
                break;
            default: // register stores and atomics: [dst+off], src
                statement = Make(form);
                (statement.Dst, statement.Offset) = Memory(cursor);
                cursor.Expect(",");
                statement.Src = Register(cursor);
                break;
        }
        cursor.ExpectEnd();
        return statement;
    }

    /// <summary>The optional second operand of a kfunc call: the BTF module (fd array index) in the offset field.</summary>
    internal static short KfuncModule(TokenCursor cursor)
    {
        if (!cursor.TryConsume(",")) return 0;
        var at = cursor.Peek();
        int module = cursor.Immediate32("a BTF module index");
        return module is >= short.MinValue and <= short.MaxValue ? (short)module
            : throw cursor.Fail($"BTF module index {module} is out of the 16-bit range", at);
    }

    private static (string Mnemonic, InstructionForm[] Forms) ReadMnemonic(TokenCursor cursor)
    {
        int words = 0;
        while (words < 3 && cursor.Peek(words).Kind == TokenKind.Identifier) words++;
        for (int count = words; count >= 1; count--)
        {
            string name = string.Join(' ', Enumerable.Range(0, count).Select(i => cursor.Peek(i).Text));
            var forms = OpcodeTable.FormsWithMnemonic(name);
            if (forms.IsEmpty) continue;
            for (int i = 0; i < count; i++) cursor.Next();
            return (name, forms.ToArray());
        }
        var token = cursor.Peek();
        throw cursor.Fail(token.Kind == TokenKind.Identifier ? $"unknown mnemonic '{token.Text}'" : $"expected a mnemonic but found {TokenCursor.Describe(token)}", token);
    }

    private static bool IsRegister(TokenCursor cursor) =>
        cursor.Peek().Is("%") || TokenCursor.LooksLikeRegister(cursor.Peek(), allow32: false);

    private static int Register(TokenCursor cursor)
    {
        bool percent = cursor.TryConsume("%");
        var token = cursor.Peek();
        if (token.Kind != TokenKind.Identifier)
            throw cursor.Fail($"expected a register (%r0..%r10) but found {TokenCursor.Describe(token)}", token);
        if (!percent && !TokenCursor.LooksLikeRegister(token, allow32: false))
            throw cursor.Fail($"expected a register (%r0..%r10) but found {TokenCursor.Describe(token)}", token);
        cursor.Next();
        return cursor.RegisterName(token, allow32: false).Number;
    }

    private static (int Register, short Offset) Memory(TokenCursor cursor)
    {
        cursor.Expect("[");
        int register = Register(cursor);
        short offset = cursor.MemoryDisplacement();
        cursor.Expect("]");
        return (register, offset);
    }
}

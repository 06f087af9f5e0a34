using SharpBpf.Isa;

namespace SharpBpf.Asm;

/// <summary>
/// Front end for LLVM's BPF assembly as <c>llvm-objdump -d</c> prints it and <c>llvm-mc</c> reads it:
/// <c>r0 = 1</c>, <c>w1 += w2</c>, <c>if r1 s&lt; 5 goto +3</c>, <c>*(u32 *)(r10 - 4) = w0</c>, <c>lock ...</c>,
/// <c>r2 = atomic_fetch_add((u64 *)(r1 + 0), r2)</c>. Extensions for encodings objdump prints ambiguously:
/// <c>call btf ID[, MODULE]</c> (kfunc call by BTF id, module index in the offset), <c>skb[rN + off]</c> (indirect packet load with an offset) and
/// <c>ld_pseudo rN, SRC, IMM64</c> (objdump's spelling of a <c>lddw</c> with a pseudo source).
/// </summary>
internal static class LlvmParser
{
    public static Statement Parse(TokenCursor cursor)
    {
        var first = cursor.Peek();
        Statement Make(InstructionForm form) => new(form, cursor.LineNumber, first.Column);
        Statement statement;

        if (first.Is("*"))
        {
            // *(uN *)(dst + off) = src | imm
            cursor.Next();
            int size = AccessType(cursor, out _);
            var (dst, offset) = Memory(cursor);
            cursor.Expect("=");
            if (IsRegister(cursor))
            {
                statement = Make(FormIndex.Find(Operation.StoreReg, OperandSource.Register, 0, size)!);
                statement.Src = Register(cursor).Number;
            }
            else
            {
                statement = Make(FormIndex.Find(Operation.StoreImm, OperandSource.Immediate, 0, size)!);
                statement.Immediate = cursor.Immediate32();
            }
            statement.Dst = dst;
            statement.Offset = offset;
        }
        else if (first.Kind != TokenKind.Identifier)
        {
            throw cursor.Fail($"expected an instruction but found {TokenCursor.Describe(first)}", first);
        }
        else if (IsRegister(cursor))
        {
            statement = Assignment(cursor, Make);
        }
        else
        {
            cursor.Next();
            switch (first.Text)
            {
                case "exit":
                    statement = Make(FormIndex.Find(Operation.Exit)!);
                    break;
                case "goto":
                    statement = Make(FormIndex.Find(Operation.Ja, width: 64)!);
                    statement.Target = cursor.Target();
                    break;
                case "gotol":
                    statement = Make(FormIndex.Find(Operation.Ja, width: 32)!);
                    statement.Target = cursor.Target();
                    break;
                case "callx":
                    statement = Make(FormIndex.Find(Operation.CallRegister, OperandSource.Register)!);
                    statement.Dst = Register(cursor).Number;
                    break;
                case "call":
                    if (cursor.TryConsumeWord("btf"))
                    {
                        statement = Make(FormIndex.Find(Operation.CallBtf, discriminator: 2)!);
                        statement.Immediate = cursor.Immediate32("a BTF id");
                        statement.Offset = ConformanceParser.KfuncModule(cursor);
                    }
                    else if (cursor.Peek().Kind == TokenKind.Identifier)
                    {
                        statement = Make(FormIndex.Find(Operation.CallLocal, discriminator: 1)!);
                        statement.Target = cursor.Target();
                    }
                    else
                    {
                        statement = Make(FormIndex.Find(Operation.CallHelper)!);
                        statement.Immediate = cursor.Immediate32("a helper number");
                    }
                    break;
                case "if":
                {
                    var dst = Register(cursor);
                    var op = cursor.Next();
                    var source = IsRegister(cursor) ? OperandSource.Register : OperandSource.Immediate;
                    var form = op.Kind == TokenKind.Symbol ? FormIndex.Jump(op.Text, dst.Is32 ? 32 : 64, source) : null;
                    if (form is null) throw cursor.Fail($"unknown comparison {TokenCursor.Describe(op)}", op);
                    statement = Make(form);
                    statement.Dst = dst.Number;
                    if (source == OperandSource.Register) statement.Src = SameWidth(cursor, dst, Register(cursor));
                    else statement.Immediate = cursor.Immediate32();
                    cursor.ExpectWord("goto");
                    statement.Target = cursor.Target();
                    break;
                }
                case "lock":
                {
                    // lock *(uN *)(dst + off) OP= src
                    cursor.Expect("*");
                    int size = AccessType(cursor, out _);
                    var (dst, offset) = Memory(cursor);
                    var op = cursor.Next();
                    var operation = op.Text switch
                    {
                        "+=" => Operation.AtomicAdd,
                        "|=" => Operation.AtomicOr,
                        "&=" => Operation.AtomicAnd,
                        "^=" => Operation.AtomicXor,
                        _ => throw cursor.Fail($"unknown atomic operator {TokenCursor.Describe(op)} (expected +=, |=, &= or ^=)", op),
                    };
                    statement = Make(Atomic(cursor, operation, size, fetch: false, first));
                    statement.Dst = dst;
                    statement.Offset = offset;
                    statement.Src = Register(cursor).Number;
                    break;
                }
                case "ld_pseudo":
                {
                    var dst = Register(cursor);
                    cursor.Expect(",");
                    var srcToken = cursor.Peek();
                    int pseudo = cursor.Immediate32("a pseudo source");
                    var form = FormIndex.Find(Operation.LoadImm64, width: 64, discriminator: pseudo)
                        ?? throw cursor.Fail($"lddw has no pseudo source {pseudo}", srcToken);
                    cursor.Expect(",");
                    statement = Make(form);
                    statement.Dst = dst.Number;
                    statement.Immediate = cursor.Immediate64();
                    break;
                }
                default:
                    throw cursor.Fail($"unknown mnemonic '{first.Text}'", first);
            }
        }
        cursor.ExpectEnd();
        return statement;
    }

    private static Statement Assignment(TokenCursor cursor, Func<InstructionForm, Statement> make)
    {
        var dst = Register(cursor);
        int width = dst.Is32 ? 32 : 64;
        var op = cursor.Next();
        if (op.Kind != TokenKind.Symbol) throw cursor.Fail($"expected an assignment operator but found {TokenCursor.Describe(op)}", op);
        Statement statement;

        if (op.Text != "=")
        {
            var source = IsRegister(cursor) ? OperandSource.Register : OperandSource.Immediate;
            var form = FormIndex.Alu(op.Text, width, source) ?? throw cursor.Fail($"unknown operator {TokenCursor.Describe(op)}", op);
            statement = make(form);
            if (source == OperandSource.Register) statement.Src = SameWidth(cursor, dst, Register(cursor));
            else statement.Immediate = cursor.Immediate32();
        }
        else if (cursor.Peek().Is("-") && IsRegister(cursor, 1))
        {
            cursor.Next();
            statement = make(FormIndex.Find(Operation.Neg, width: width)!);
            SameRegister(cursor, dst, Register(cursor));
        }
        else if (cursor.PeekIsNumber())
        {
            long value;
            if (cursor.Peek(cursor.Peek().Kind == TokenKind.Number ? 1 : 2).IsWord("ll"))
            {
                if (dst.Is32) throw cursor.Fail("a 64-bit immediate load needs an r register", dst.At);
                value = cursor.Immediate64();
                cursor.ExpectWord("ll");
                statement = make(FormIndex.Find(Operation.LoadImm64, width: 64)!);
            }
            else
            {
                value = cursor.Immediate32();
                statement = make(FormIndex.Alu("=", width, OperandSource.Immediate)!);
            }
            statement.Immediate = value;
        }
        else if (IsRegister(cursor))
        {
            statement = make(FormIndex.Alu("=", width, OperandSource.Register)!);
            statement.Src = SameWidth(cursor, dst, Register(cursor));
        }
        else if (cursor.Peek().Is("("))
        {
            // (sN)src: sign-extending move
            cursor.Next();
            var type = cursor.ExpectIdentifier("a type such as s8");
            int bits = TypeBits(cursor, type, 's');
            cursor.Expect(")");
            var form = FormIndex.Find(Operation.MovSx, OperandSource.Register, width, 0, bits)
                ?? throw cursor.Fail($"no {width}-bit sign-extending move from {type.Text}", type);
            statement = make(form);
            statement.Src = SameWidth(cursor, dst, Register(cursor));
        }
        else if (cursor.Peek().Is("*"))
        {
            cursor.Next();
            int size = AccessType(cursor, out bool signed);
            if (cursor.TryConsumeWord("skb"))
            {
                if (signed) throw cursor.Fail("packet loads are unsigned", op);
                if (dst.Number != 0) throw cursor.Fail("packet loads always write r0", dst.At);
                cursor.Expect("[");
                if (IsRegister(cursor))
                {
                    statement = make(FormIndex.Find(Operation.LoadPacketInd, OperandSource.Register, 0, size)
                        ?? throw cursor.Fail($"no {size}-byte packet load", op));
                    statement.Src = Register(cursor).Number;
                    if (cursor.Peek().Is("+") || cursor.Peek().Is("-")) statement.Immediate = cursor.Immediate32("a packet offset");
                }
                else
                {
                    statement = make(FormIndex.Find(Operation.LoadPacketAbs, OperandSource.None, 0, size)
                        ?? throw cursor.Fail($"no {size}-byte packet load", op));
                    statement.Immediate = cursor.Immediate32("a packet offset");
                }
                cursor.Expect("]");
            }
            else
            {
                var form = FormIndex.Find(signed ? Operation.LoadSx : Operation.Load, OperandSource.Register, 0, size)
                    ?? throw cursor.Fail($"no {(signed ? "sign-extending " : "")}{size}-byte load", op);
                statement = make(form);
                (statement.Src, statement.Offset) = Memory(cursor);
            }
        }
        else if (cursor.Peek().Kind == TokenKind.Identifier)
        {
            statement = Call(cursor, make, dst);
            return statement;
        }
        else
        {
            throw cursor.Fail($"unexpected {TokenCursor.Describe(cursor.Peek())} after '='", cursor.Peek());
        }
        statement.Dst = dst.Number;
        return statement;
    }

    /// <summary>The function-like right-hand sides: byte swaps and the fetching atomics.</summary>
    private static Statement Call(TokenCursor cursor, Func<InstructionForm, Statement> make, RegisterOperand dst)
    {
        var name = cursor.Next();
        string text = name.Text;
        Statement statement;
        foreach (var (prefix, operation) in new[] { ("le", Operation.ToLe), ("be", Operation.ToBe), ("bswap", Operation.Bswap) })
        {
            if (!text.StartsWith(prefix, StringComparison.Ordinal) || !int.TryParse(text.AsSpan(prefix.Length), out int bits)) continue;
            var form = FormIndex.Find(operation, width: bits, discriminator: bits) ?? throw cursor.Fail($"unknown byte swap '{text}'", name);
            statement = make(form);
            statement.Dst = dst.Number;
            SameRegister(cursor, dst, Register(cursor));
            return statement;
        }

        if (text.StartsWith("atomic_fetch_", StringComparison.Ordinal))
        {
            var operation = text["atomic_fetch_".Length..] switch
            {
                "add" => Operation.AtomicAdd,
                "or" => Operation.AtomicOr,
                "and" => Operation.AtomicAnd,
                "xor" => Operation.AtomicXor,
                _ => throw cursor.Fail($"unknown atomic '{text}'", name),
            };
            cursor.Expect("(");
            cursor.Expect("(");
            int size = TypeBits(cursor, cursor.ExpectIdentifier("a type such as u64"), 'u') / 8;
            cursor.Expect("*");
            cursor.Expect(")");
            statement = make(Atomic(cursor, operation, size, fetch: true, name));
            (statement.Dst, statement.Offset) = Memory(cursor);
            cursor.Expect(",");
            statement.Src = SameRegister(cursor, dst, Register(cursor));
            cursor.Expect(")");
            CheckAtomicWidth(cursor, dst, size);
            return statement;
        }

        bool xchg = text is "xchg_64" or "xchg32_32";
        bool cmpxchg = text is "cmpxchg_64" or "cmpxchg32_32";
        if (!xchg && !cmpxchg) throw cursor.Fail($"unknown function '{text}'", name);
        int accessSize = text.EndsWith("_64", StringComparison.Ordinal) ? 8 : 4;
        CheckAtomicWidth(cursor, dst, accessSize);
        statement = make(Atomic(cursor, xchg ? Operation.AtomicXchg : Operation.AtomicCmpXchg, accessSize, fetch: true, name));
        cursor.Expect("(");
        (statement.Dst, statement.Offset) = MemoryInner(cursor);
        cursor.Expect(",");
        if (cmpxchg)
        {
            var expected = Register(cursor);
            if (expected.Number != 0 || dst.Number != 0) throw cursor.Fail("cmpxchg compares against and writes r0", expected.At);
            cursor.Expect(",");
            statement.Src = Register(cursor).Number;
        }
        else
        {
            statement.Src = SameRegister(cursor, dst, Register(cursor));
        }
        cursor.Expect(")");
        return statement;
    }

    private static void CheckAtomicWidth(TokenCursor cursor, RegisterOperand dst, int size)
    {
        if (dst.Is32 != (size == 4)) throw cursor.Fail($"a {size * 8}-bit atomic needs {(size == 4 ? "w" : "r")} registers", dst.At);
    }

    private static InstructionForm Atomic(TokenCursor cursor, Operation operation, int size, bool fetch, Token at)
    {
        int code = operation switch
        {
            Operation.AtomicAdd => AtomicCode.Add,
            Operation.AtomicOr => AtomicCode.Or,
            Operation.AtomicAnd => AtomicCode.And,
            Operation.AtomicXor => AtomicCode.Xor,
            Operation.AtomicXchg => AtomicCode.Xchg,
            _ => AtomicCode.CmpXchg,
        } | (fetch ? AtomicCode.Fetch : 0);
        return FormIndex.Find(operation, OperandSource.Register, size * 8, size, code)
            ?? throw cursor.Fail($"no {size * 8}-bit atomic of this kind (atomics are 32 or 64 bits)", at);
    }

    /// <summary>Reads <c>(uN *)</c> or <c>(sN *)</c> and returns the access size in bytes.</summary>
    private static int AccessType(TokenCursor cursor, out bool signed)
    {
        cursor.Expect("(");
        var type = cursor.ExpectIdentifier("a type such as u32");
        signed = type.Text.StartsWith('s');
        int bits = TypeBits(cursor, type, signed ? 's' : 'u');
        cursor.Expect("*");
        cursor.Expect(")");
        return bits / 8;
    }

    private static int TypeBits(TokenCursor cursor, Token type, char prefix) =>
        type.Text.Length > 1 && type.Text[0] == prefix && type.Text[1..] is "8" or "16" or "32" or "64" && (prefix == 'u' || type.Text != "s64")
            ? int.Parse(type.Text.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture)
            : throw cursor.Fail($"bad type {TokenCursor.Describe(type)} (expected {prefix}8, {prefix}16, {prefix}32{(prefix == 'u' ? " or u64" : "")})", type);

    private static (int Register, short Offset) Memory(TokenCursor cursor)
    {
        cursor.Expect("(");
        var result = MemoryInner(cursor);
        cursor.Expect(")");
        return result;
    }

    private static (int Register, short Offset) MemoryInner(TokenCursor cursor)
    {
        var register = Register(cursor);
        if (register.Is32) throw cursor.Fail("a memory address needs an r register", register.At);
        return (register.Number, cursor.MemoryDisplacement());
    }

    private static bool IsRegister(TokenCursor cursor, int ahead = 0) => TokenCursor.LooksLikeRegister(cursor.Peek(ahead), allow32: true);

    private static RegisterOperand Register(TokenCursor cursor)
    {
        var token = cursor.Peek();
        if (!TokenCursor.LooksLikeRegister(token, allow32: true))
            throw cursor.Fail($"expected a register (r0..r10 or w0..w10) but found {TokenCursor.Describe(token)}", token);
        cursor.Next();
        return cursor.RegisterName(token, allow32: true);
    }

    private static int SameWidth(TokenCursor cursor, RegisterOperand dst, RegisterOperand src) =>
        dst.Is32 == src.Is32 ? src.Number : throw cursor.Fail($"register {src.At.Text} does not match the width of {dst.At.Text}", src.At);

    private static int SameRegister(TokenCursor cursor, RegisterOperand dst, RegisterOperand src) =>
        dst.Number == src.Number && dst.Is32 == src.Is32 ? src.Number : throw cursor.Fail($"expected {dst.At.Text} here, found {src.At.Text}", src.At);
}

using SharpBpf.Isa;

namespace SharpBpf.Asm;

/// <summary>A jump or local-call target as written: a label, or a displacement relative to the next instruction.</summary>
internal readonly record struct BranchTarget(string? Label, long Displacement, Token At);

/// <summary>One parsed instruction before label resolution.</summary>
internal sealed class Statement(InstructionForm? form, int line, int column)
{
    public InstructionForm? Form { get; } = form;
    public int Line { get; } = line;
    public int Column { get; } = column;
    public int Dst { get; set; }
    public int Src { get; set; }
    public short Offset { get; set; }
    /// <summary>The immediate; all 64 bits for <c>lddw</c>.</summary>
    public long Immediate { get; set; }
    public BranchTarget? Target { get; set; }
    /// <summary>Set for a <c>.8byte</c> directive: the slot as the conformance suite's raw value.</summary>
    public ulong? Raw { get; set; }
    public int Slots => Form is { IsWide: true } ? 2 : 1;
}

/// <summary>A register operand: its number, and whether it was written as a 32-bit view (<c>w1</c>).</summary>
internal readonly record struct RegisterOperand(int Number, bool Is32, Token At);

/// <summary>
/// Walks the tokens of one line. Holds the operand parsing both syntax front ends share: numbers and their
/// ranges, registers, memory displacements and branch targets.
/// </summary>
internal sealed class TokenCursor(AsmLine line, int start)
{
    private int _position = start;

    public int LineNumber => line.Number;

    public bool AtEnd => _position >= line.Tokens.Count;

    public Token Peek(int ahead = 0) =>
        _position + ahead < line.Tokens.Count ? line.Tokens[_position + ahead] : new Token(TokenKind.Symbol, "", line.EndColumn);

    public Token Next()
    {
        var token = Peek();
        if (AtEnd) throw Fail("unexpected end of line", token);
        _position++;
        return token;
    }

    public bool TryConsume(string symbol)
    {
        if (!Peek().Is(symbol)) return false;
        _position++;
        return true;
    }

    public bool TryConsumeWord(string word)
    {
        if (!Peek().IsWord(word)) return false;
        _position++;
        return true;
    }

    public Token Expect(string symbol)
    {
        var token = Peek();
        if (!token.Is(symbol)) throw Fail($"expected '{symbol}' but found {Describe(token)}", token);
        _position++;
        return token;
    }

    public Token ExpectWord(string word)
    {
        var token = Peek();
        if (!token.IsWord(word)) throw Fail($"expected '{word}' but found {Describe(token)}", token);
        _position++;
        return token;
    }

    public Token ExpectIdentifier(string what)
    {
        var token = Peek();
        if (token.Kind != TokenKind.Identifier) throw Fail($"expected {what} but found {Describe(token)}", token);
        _position++;
        return token;
    }

    public void ExpectEnd()
    {
        if (!AtEnd) throw Fail($"unexpected {Describe(Peek())} after the operands", Peek());
    }

    public BpfAssemblyException Fail(string problem, Token at) => new(problem, line.Number, at.Column);

    public static string Describe(Token token) => token.Text.Length == 0 ? "end of line" : $"'{token.Text}'";

    public bool PeekIsNumber() => Peek().Kind == TokenKind.Number
        || ((Peek().Is("-") || Peek().Is("+")) && Peek(1).Kind == TokenKind.Number);

    /// <summary>An optionally signed number: returns whether it was negative, its magnitude and where it started.</summary>
    public (bool Negative, ulong Magnitude, Token At) SignedNumber(string what)
    {
        var first = Peek();
        bool negative = TryConsume("-");
        if (!negative) TryConsume("+");
        var number = Peek();
        if (number.Kind != TokenKind.Number) throw Fail($"expected {what} but found {Describe(number)}", number);
        _position++;
        return (negative, number.Value, first);
    }

    /// <summary>A 32-bit immediate: anything that fits in int32 or uint32 (0xffffffff is -1).</summary>
    public int Immediate32(string what = "an immediate")
    {
        var (negative, magnitude, at) = SignedNumber(what);
        if (negative ? magnitude > 0x8000_0000UL : magnitude > uint.MaxValue)
            throw Fail($"immediate {(negative ? "-" : "")}{magnitude} is out of the 32-bit range", at);
        return negative ? unchecked((int)(0 - (uint)magnitude)) : unchecked((int)(uint)magnitude);
    }

    /// <summary>A 64-bit immediate: anything that fits in int64 or uint64.</summary>
    public long Immediate64()
    {
        var (negative, magnitude, at) = SignedNumber("a 64-bit immediate");
        if (negative && magnitude > 0x8000_0000_0000_0000UL)
            throw Fail($"immediate -{magnitude} is out of the 64-bit range", at);
        return negative ? unchecked((long)(0 - magnitude)) : unchecked((long)magnitude);
    }

    /// <summary>A signed 16-bit memory displacement written after the base register: <c>+2</c>, <c>- 0x8</c>, or nothing.</summary>
    public short MemoryDisplacement()
    {
        if (!Peek().Is("+") && !Peek().Is("-")) return 0;
        var (negative, magnitude, at) = SignedNumber("a memory offset");
        long value = negative ? -(long)Math.Min(magnitude, 1UL << 40) : (long)Math.Min(magnitude, 1UL << 40);
        if (value is < short.MinValue or > short.MaxValue)
            throw Fail($"memory offset {value} is out of the 16-bit range (-32768..32767)", at);
        return (short)value;
    }

    /// <summary>A branch target: a label, or a displacement <c>+N</c>/<c>-N</c> (relative to the next instruction).</summary>
    public BranchTarget Target()
    {
        var token = Peek();
        if (token.Kind == TokenKind.Identifier)
        {
            _position++;
            return new BranchTarget(token.Text, 0, token);
        }
        var (negative, magnitude, at) = SignedNumber("a label or a +N/-N jump displacement");
        long value = (long)Math.Min(magnitude, 1UL << 40);
        return new BranchTarget(null, negative ? -value : value, at);
    }

    /// <summary>Parses a register name: <c>r0</c>..<c>r10</c>, or <c>w0</c>..<c>w10</c> when <paramref name="allow32"/>.</summary>
    public RegisterOperand RegisterName(Token token, bool allow32)
    {
        string text = token.Text;
        if (token.Kind == TokenKind.Identifier && text.Length >= 2 && (text[0] == 'r' || (allow32 && text[0] == 'w'))
            && int.TryParse(text.AsSpan(1), System.Globalization.NumberStyles.None, null, out int number)
            && number <= 10 && text[1..] == number.ToString(System.Globalization.CultureInfo.InvariantCulture))
            return new RegisterOperand(number, text[0] == 'w', token);
        throw Fail($"bad register {Describe(token)} (expected {(allow32 ? "r0..r10 or w0..w10" : "r0..r10")})", token);
    }

    public static bool LooksLikeRegister(Token token, bool allow32) =>
        token.Kind == TokenKind.Identifier && token.Text.Length is 2 or 3
        && (token.Text[0] == 'r' || (allow32 && token.Text[0] == 'w')) && token.Text.Skip(1).All(char.IsAsciiDigit);
}

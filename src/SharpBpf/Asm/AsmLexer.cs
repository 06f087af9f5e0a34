namespace SharpBpf.Asm;

internal enum TokenKind : byte
{
    Identifier,
    Number,
    /// <summary>Punctuation or an operator: <c>[ ] ( ) , : + -</c> single, or a run such as <c>&lt;&lt;=</c>, <c>s&gt;=</c>, <c>*</c>.</summary>
    Symbol,
}

/// <summary>One token, with its 1-based column for error messages. Numbers keep their magnitude (sign is a separate token).</summary>
internal readonly record struct Token(TokenKind Kind, string Text, int Column, ulong Value = 0)
{
    public bool Is(string symbol) => Kind == TokenKind.Symbol && Text == symbol;
    public bool IsWord(string word) => Kind == TokenKind.Identifier && string.Equals(Text, word, StringComparison.Ordinal);
}

/// <summary>One source line split into tokens, comments removed.</summary>
internal sealed class AsmLine(int number, List<Token> tokens, int endColumn)
{
    public int Number { get; } = number;
    public List<Token> Tokens { get; } = tokens;
    public int EndColumn { get; } = endColumn;
}

/// <summary>
/// Splits text into lines of tokens for both syntaxes. Comments start with <c>#</c>, <c>;</c> or <c>//</c>.
/// Operator characters form one token per run (<c>&lt;&lt;=</c>, <c>==</c>), except <c>+</c> and <c>-</c>, which stand
/// alone unless an <c>=</c> follows (<c>+=</c>); an <c>s</c> glued to an operator is LLVM's signed prefix (<c>s&gt;&gt;=</c>).
/// </summary>
internal static class AsmLexer
{
    private const string OperatorChars = "<>=!&|^*/%";

    public static List<AsmLine> Tokenize(string text)
    {
        var lines = new List<AsmLine>();
        int lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var tokens = new List<Token>();
            string line = rawLine.TrimEnd('\r');
            int i = 0;
            while (i < line.Length)
            {
                char c = line[i];
                if (char.IsWhiteSpace(c)) { i++; continue; }
                if (c == '#' || c == ';' || (c == '/' && i + 1 < line.Length && line[i + 1] == '/')) break;
                int start = i;
                if (char.IsAsciiDigit(c))
                {
                    while (i < line.Length && (char.IsAsciiLetterOrDigit(line[i]) || line[i] == '_')) i++;
                    string literal = line[start..i];
                    tokens.Add(new Token(TokenKind.Number, literal, start + 1, ParseNumber(literal, lineNumber, start + 1)));
                }
                else if (c == 's' && i + 1 < line.Length && OperatorChars.Contains(line[i + 1]) && !IsIdentifierChar(Previous(line, i)))
                {
                    i++;
                    while (i < line.Length && OperatorChars.Contains(line[i])) i++;
                    tokens.Add(new Token(TokenKind.Symbol, line[start..i], start + 1));
                }
                else if (IsIdentifierStart(c))
                {
                    while (i < line.Length && IsIdentifierChar(line[i])) i++;
                    tokens.Add(new Token(TokenKind.Identifier, line[start..i], start + 1));
                }
                else if (OperatorChars.Contains(c))
                {
                    while (i < line.Length && OperatorChars.Contains(line[i])) i++;
                    tokens.Add(new Token(TokenKind.Symbol, line[start..i], start + 1));
                }
                else if ((c == '+' || c == '-') && i + 1 < line.Length && line[i + 1] == '=')
                {
                    i += 2;
                    tokens.Add(new Token(TokenKind.Symbol, line[start..i], start + 1));
                }
                else if ("[](),:+-".Contains(c))
                {
                    i++;
                    tokens.Add(new Token(TokenKind.Symbol, c.ToString(), start + 1));
                }
                else
                {
                    throw new BpfAssemblyException($"unexpected character '{c}'", lineNumber, start + 1);
                }
            }
            lines.Add(new AsmLine(lineNumber, tokens, line.Length + 1));
        }
        return lines;
    }

    private static char Previous(string line, int i) => i > 0 ? line[i - 1] : ' ';

    internal static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_' || c == '.' || c == '$';

    internal static bool IsIdentifierChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '.' || c == '$';

    private static ulong ParseNumber(string literal, int line, int column)
    {
        bool hex = literal.Length > 2 && literal[0] == '0' && (literal[1] == 'x' || literal[1] == 'X');
        string digits = hex ? literal[2..] : literal;
        ulong value = 0;
        ulong radix = hex ? 16u : 10u;
        foreach (char d in digits)
        {
            int digit = char.IsAsciiDigit(d) ? d - '0'
                : hex && char.IsAsciiHexDigit(d) ? char.ToLowerInvariant(d) - 'a' + 10
                : -1;
            if (digit < 0) throw new BpfAssemblyException($"malformed number '{literal}'", line, column);
            ulong next = unchecked(value * radix + (ulong)digit);
            if (value > (ulong.MaxValue - (ulong)digit) / radix)
                throw new BpfAssemblyException($"number '{literal}' does not fit in 64 bits", line, column);
            value = next;
        }
        return value;
    }
}

using SharpBpf.Isa;

namespace SharpBpf.Asm;

/// <summary>
/// Turns assembly text, in either <see cref="AsmSyntax"/>, into instructions. One statement per line; a line may
/// start with labels (<c>name:</c>) and, in listings, with an instruction index (<c>5:</c>), which is skipped.
/// Comments start with <c>#</c>, <c>;</c> or <c>//</c>. <c>.8byte N</c> emits one raw slot (the suite's raw form).
/// Jump and local-call targets are labels or displacements (<c>+N</c>/<c>-N</c>) relative to the next instruction.
/// As in the bpf_conformance assembler, conformance syntax treats an undefined label <c>exit</c> as the first
/// <c>exit</c> instruction.
/// </summary>
public static class Assembler
{
    /// <summary>Assembles <paramref name="text"/> into validated bytecode.</summary>
    /// <exception cref="BpfAssemblyException">The text is malformed, or the program it describes is not well formed; the message names the line.</exception>
    public static Bytecode Assemble(string text, AsmSyntax syntax)
    {
        var statements = Parse(text, syntax);
        var instructions = Encode(statements);
        try
        {
            return Bytecode.FromInstructions(instructions);
        }
        catch (BpfDecodeException error)
        {
            var statement = StatementAtSlot(statements, error.InstructionIndex);
            string detail = error.Message;
            if (statement is null) throw new BpfAssemblyException(detail, 1, 1);
            throw new BpfAssemblyException(detail, statement.Line, statement.Column);
        }
    }

    /// <summary>
    /// Assembles <paramref name="text"/> into instruction slots without validating the program as a whole
    /// (reserved fields and <c>.8byte</c> slots are passed through).
    /// </summary>
    /// <exception cref="BpfAssemblyException">The text is malformed; the message names the line and column.</exception>
    public static IReadOnlyList<Instruction> AssembleInstructions(string text, AsmSyntax syntax) => Encode(Parse(text, syntax));

    /// <summary>
    /// Guesses the syntax of <paramref name="text"/>: <see cref="AsmSyntax.Conformance"/> when a statement starts with
    /// a conformance mnemonic that LLVM syntax does not use or an operand is written <c>%rN</c>; otherwise
    /// <see cref="AsmSyntax.Llvm"/>.
    /// </summary>
    public static AsmSyntax DetectSyntax(string text)
    {
        List<AsmLine> lines;
        try
        {
            lines = AsmLexer.Tokenize(text);
        }
        catch (BpfAssemblyException)
        {
            return AsmSyntax.Llvm;
        }
        foreach (var line in lines)
        {
            int start = StatementStart(line);
            if (start >= line.Tokens.Count) continue;
            var first = line.Tokens[start];
            if (line.Tokens.Skip(start).Any(t => t.Is("%"))) return AsmSyntax.Conformance;
            if (first.Is("*") || first.IsWord("if") || first.IsWord("goto") || first.IsWord("gotol") || first.IsWord("callx")
                || TokenCursor.LooksLikeRegister(first, allow32: true) || (first.IsWord("lock") && start + 1 < line.Tokens.Count && line.Tokens[start + 1].Is("*")))
                return AsmSyntax.Llvm;
            if (first.Kind == TokenKind.Identifier && !first.IsWord("call") && !first.IsWord("exit") && !first.Text.StartsWith('.')
                && !OpcodeTable.FormsWithMnemonic(first.Text).IsEmpty)
                return AsmSyntax.Conformance;
        }
        return AsmSyntax.Llvm;
    }

    private static Statement? StatementAtSlot(List<Statement> statements, int slot)
    {
        int index = 0;
        foreach (var statement in statements)
        {
            if (slot >= index && slot < index + statement.Slots) return statement;
            index += statement.Slots;
        }
        return statements.Count > 0 ? statements[^1] : null;
    }

    /// <summary>Skips a listing's instruction index (<c>12:</c>) and any labels; returns the first token of the statement.</summary>
    private static int StatementStart(AsmLine line)
    {
        var tokens = line.Tokens;
        int i = 0;
        if (tokens.Count >= 2 && tokens[0].Kind == TokenKind.Number && tokens[1].Is(":")) i = 2;
        while (i + 1 < tokens.Count && tokens[i].Kind == TokenKind.Identifier && tokens[i + 1].Is(":")) i += 2;
        return i;
    }

    private sealed class ParsedProgram : List<Statement>
    {
        public Dictionary<string, int> Labels { get; } = new(StringComparer.Ordinal);
    }

    private static ParsedProgram Parse(string text, AsmSyntax syntax)
    {
        ArgumentNullException.ThrowIfNull(text);
        var program = new ParsedProgram();
        int slot = 0;
        int? firstExit = null;
        foreach (var line in AsmLexer.Tokenize(text))
        {
            var tokens = line.Tokens;
            int i = tokens.Count >= 2 && tokens[0].Kind == TokenKind.Number && tokens[1].Is(":") ? 2 : 0;
            while (i + 1 < tokens.Count && tokens[i].Kind == TokenKind.Identifier && tokens[i + 1].Is(":"))
            {
                if (!program.Labels.TryAdd(tokens[i].Text, slot))
                    throw new BpfAssemblyException($"duplicate label '{tokens[i].Text}'", line.Number, tokens[i].Column);
                i += 2;
            }
            if (i >= tokens.Count) continue;

            var cursor = new TokenCursor(line, i);
            Statement statement;
            if (cursor.Peek().IsWord(".8byte") || cursor.Peek().IsWord(".quad"))
            {
                var directive = cursor.Next();
                var (negative, magnitude, at) = cursor.SignedNumber("a 64-bit value");
                if (negative) throw cursor.Fail("a raw slot must not be negative", at);
                statement = new Statement(null, line.Number, directive.Column) { Raw = magnitude };
                cursor.ExpectEnd();
            }
            else
            {
                statement = syntax == AsmSyntax.Llvm ? LlvmParser.Parse(cursor) : ConformanceParser.Parse(cursor);
            }
            if (statement.Form?.Operation == Operation.Exit) firstExit ??= slot;
            program.Add(statement);
            slot += statement.Slots;
        }
        // The suite's assembler lets jumps name "exit" without defining it: it means the first exit instruction.
        if (syntax == AsmSyntax.Conformance && firstExit is int exit) program.Labels.TryAdd("exit", exit);
        return program;
    }

    private static List<Instruction> Encode(ParsedProgram statements)
    {
        var labels = statements.Labels;
        var instructions = new List<Instruction>(statements.Count + 4);
        foreach (var statement in statements)
        {
            int index = instructions.Count;
            if (statement.Raw is ulong raw)
            {
                instructions.Add(Instruction.FromRaw(raw));
                continue;
            }
            var form = statement.Form!;
            long immediate = statement.Immediate;
            short offset = statement.Offset;
            if (statement.Target is BranchTarget target)
            {
                long displacement = target.Displacement;
                if (target.Label is not null)
                {
                    if (!labels.TryGetValue(target.Label, out int destination))
                        throw new BpfAssemblyException($"undefined label '{target.Label}'", statement.Line, target.At.Column);
                    displacement = destination - (index + 1L);
                }
                if (form.Displacement == BranchDisplacement.Offset)
                {
                    if (displacement is < short.MinValue or > short.MaxValue)
                        throw new BpfAssemblyException($"jump displacement {displacement} is out of the 16-bit offset range (-32768..32767); use ja32/gotol for long jumps",
                            statement.Line, target.At.Column);
                    offset = (short)displacement;
                }
                else
                {
                    if (displacement is < int.MinValue or > int.MaxValue)
                        throw new BpfAssemblyException($"displacement {displacement} is out of the 32-bit range", statement.Line, target.At.Column);
                    immediate = displacement;
                }
            }
            instructions.Add(form.Encode(statement.Dst, statement.Src, offset, unchecked((int)immediate)));
            if (form.IsWide) instructions.Add(new Instruction(0, 0, 0, 0, unchecked((int)(immediate >> 32))));
        }
        return instructions;
    }
}

using System.Globalization;
using System.Text;
using SharpBpf.Asm;
using SharpBpf.Isa;

namespace SharpBpf.Cli.Commands;

/// <summary>Reads the programs and memory images the commands take.</summary>
internal static class ProgramInput
{
    private static ReadOnlySpan<byte> ElfMagic => [0x7f, (byte)'E', (byte)'L', (byte)'F'];

    public static byte[] ReadFile(string path)
    {
        if (!File.Exists(path)) throw new CliUsageException($"{path}: no such file");
        return File.ReadAllBytes(path);
    }

    public static bool IsElf(ReadOnlySpan<byte> bytes) => bytes.StartsWith(ElfMagic);

    /// <summary>True when the bytes look like assembly text rather than raw bytecode.</summary>
    public static bool IsText(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return false;
        foreach (byte b in bytes)
            if (b == 0 || (b < 0x20 && b is not ((byte)'\n' or (byte)'\r' or (byte)'\t')) || b >= 0x7f) return false;
        return true;
    }

    /// <summary>Raw bytecode or assembly text (syntax detected unless given) to validated bytecode.</summary>
    public static Bytecode LoadBytecode(string path, byte[] bytes, AsmSyntax? syntax)
    {
        if (IsText(bytes))
        {
            string text = Encoding.UTF8.GetString(bytes);
            return Assembler.Assemble(text, syntax ?? Assembler.DetectSyntax(text));
        }
        try
        {
            return Bytecode.Decode(bytes);
        }
        catch (BpfDecodeException e)
        {
            throw new CliUsageException($"{path}: {e.Message}");
        }
    }

    /// <summary>Parses hex bytes, separated by spaces or not ("00 01 ff", "0001ff", "0x00 0x01").</summary>
    public static byte[] ParseHex(string text, string what)
    {
        var cleaned = new StringBuilder(text.Length);
        foreach (var token in text.Split([' ', '\t', '\r', '\n', ','], StringSplitOptions.RemoveEmptyEntries))
        {
            var t = token.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? token[2..] : token;
            if (t.Length % 2 == 1) t = "0" + t;
            cleaned.Append(t);
        }
        var hex = cleaned.ToString();
        var result = new byte[hex.Length / 2];
        for (int i = 0; i < result.Length; i++)
        {
            if (!byte.TryParse(hex.AsSpan(i * 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out result[i]))
                throw new CliUsageException($"{what}: '{hex.Substring(i * 2, 2)}' at byte {i} is not a hex byte");
        }
        return result;
    }

    public static AsmSyntax? ParseSyntax(string? value) => value switch
    {
        null => null,
        "llvm" => AsmSyntax.Llvm,
        "conformance" => AsmSyntax.Conformance,
        _ => throw new CliUsageException($"unknown syntax '{value}' (expected llvm or conformance)"),
    };
}

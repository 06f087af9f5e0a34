using System.Globalization;
using System.Text;
using SharpBpf.Maps;

namespace SharpBpf.Helpers;

/// <summary>
/// The format language of <c>bpf_trace_printk</c>, <c>bpf_trace_vprintk</c> and <c>bpf_snprintf</c>, as the
/// kernel's <c>bpf_bprintf_prepare</c> accepts it: <c>%d %i %u %x %X</c> with optional <c>l</c>/<c>ll</c> (without
/// them the argument is 32-bit), <c>%c</c>, <c>%s</c>, <c>%p</c>/<c>%px</c>/<c>%pK</c> (16 hex digits),
/// <c>%pI4</c>/<c>%pi4</c>, and <c>%%</c>; flags <c>0 + - space</c> and a width. Anything else is -EINVAL.
/// </summary>
public static class BpfPrintf
{
    /// <summary>
    /// Formats <paramref name="format"/> (up to its first NUL) with <paramref name="arguments"/>. Strings and
    /// <c>%pI4</c> addresses are read with <paramref name="readMemory"/> (returns null when the memory is not readable:
    /// <c>%s</c> then prints nothing, as the kernel does). Returns 0 or -EINVAL (bad conversion, too few arguments).
    /// </summary>
    public static int Format(ReadOnlySpan<byte> format, ReadOnlySpan<ulong> arguments, Func<ulong, int, byte[]?> readMemory, out string output)
    {
        var text = new StringBuilder();
        output = "";
        int next = 0;
        int end = format.IndexOf((byte)0);
        if (end < 0) end = format.Length;
        for (int i = 0; i < end; i++)
        {
            byte c = format[i];
            if (c != '%')
            {
                text.Append((char)c);
                continue;
            }
            if (++i >= end) return -Errno.EINVAL;
            if (format[i] == '%')
            {
                text.Append('%');
                continue;
            }
            bool left = false, zero = false, plus = false, space = false;
            for (; i < end && format[i] is (byte)'0' or (byte)'+' or (byte)'-' or (byte)' '; i++)
            {
                switch (format[i])
                {
                    case (byte)'0': zero = true; break;
                    case (byte)'+': plus = true; break;
                    case (byte)'-': left = true; break;
                    default: space = true; break;
                }
            }
            int width = 0;
            for (; i < end && format[i] is >= (byte)'0' and <= (byte)'9'; i++) width = Math.Min(width * 10 + (format[i] - '0'), 1024);
            if (i >= end) return -Errno.EINVAL;
            if (next >= arguments.Length) return -Errno.EINVAL;
            ulong argument = arguments[next];
            string piece;
            byte conversion = format[i];
            if (conversion == 'c')
            {
                piece = ((char)(byte)argument).ToString();
            }
            else if (conversion == 's')
            {
                var bytes = readMemory(argument, -1);
                piece = bytes is null ? "" : Encoding.Latin1.GetString(bytes);
            }
            else if (conversion == 'p')
            {
                byte modifier = i + 1 < end ? format[i + 1] : (byte)0;
                if (modifier is (byte)'i' or (byte)'I')
                {
                    if (i + 2 >= end || format[i + 2] != '4') return -Errno.EINVAL;
                    i += 2;
                    var address = readMemory(argument, 4);
                    piece = address is null ? "" : $"{address[0]}.{address[1]}.{address[2]}.{address[3]}";
                }
                else
                {
                    if (modifier is (byte)'x' or (byte)'K') i++;
                    else if (modifier is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z') return -Errno.EINVAL;
                    piece = argument.ToString("x16", CultureInfo.InvariantCulture);
                }
            }
            else
            {
                bool wide = false;
                if (format[i] == 'l')
                {
                    wide = true;
                    i++;
                    if (i < end && format[i] == 'l') i++;
                }
                if (i >= end) return -Errno.EINVAL;
                conversion = format[i];
                switch (conversion)
                {
                    case (byte)'d' or (byte)'i':
                        long signed = wide ? (long)argument : (int)argument;
                        piece = signed.ToString(CultureInfo.InvariantCulture);
                        if (signed >= 0 && plus) piece = "+" + piece;
                        else if (signed >= 0 && space) piece = " " + piece;
                        break;
                    case (byte)'u':
                        piece = (wide ? argument : (uint)argument).ToString(CultureInfo.InvariantCulture);
                        break;
                    case (byte)'x':
                        piece = (wide ? argument : (uint)argument).ToString("x", CultureInfo.InvariantCulture);
                        break;
                    case (byte)'X':
                        piece = (wide ? argument : (uint)argument).ToString("X", CultureInfo.InvariantCulture);
                        break;
                    default:
                        return -Errno.EINVAL;
                }
            }
            next++;
            if (piece.Length < width)
            {
                if (left) piece = piece.PadRight(width);
                else if (zero && conversion is not ((byte)'s' or (byte)'c'))
                {
                    int signLength = piece.Length > 0 && piece[0] is '-' or '+' or ' ' ? 1 : 0;
                    piece = piece[..signLength] + new string('0', width - piece.Length) + piece[signLength..];
                }
                else piece = piece.PadLeft(width);
            }
            text.Append(piece);
        }
        output = text.ToString();
        return 0;
    }
}

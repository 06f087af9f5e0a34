using System.Globalization;

namespace SharpBpf.Tests.Attach;

/// <summary>Locates the committed captures in tests/captures and reads the tshark listings made beside them.</summary>
internal static class Captures
{
    private static readonly Lazy<string> s_directory = new(() =>
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "tests", "captures");
            if (File.Exists(Path.Combine(candidate, "make-captures.sh"))) return candidate;
        }
        throw new DirectoryNotFoundException("tests/captures not found above " + AppContext.BaseDirectory);
    });

    public static string Directory => s_directory.Value;

    public static string PathOf(string name) => Path.Combine(Directory, name);

    public static IEnumerable<string> AllNames() =>
        System.IO.Directory.GetFiles(Directory).Select(Path.GetFileName)
            .Where(n => n!.EndsWith(".pcap", StringComparison.Ordinal) || n.EndsWith(".pcapng", StringComparison.Ordinal)).Order()!;

    public static string RepositoryRoot => Path.GetFullPath(Path.Combine(Directory, "..", ".."));

    /// <summary>One line of <c>tshark -T fields -e frame.number -e frame.len -e frame.cap_len -e frame.time_epoch -e frame.interface_id</c>.</summary>
    public sealed record TsharkFrame(long Number, int Length, int CapturedLength, long? TimestampNanoseconds, int? InterfaceId);

    public static IReadOnlyList<TsharkFrame> TsharkListing(string name) => ParseTshark(File.ReadAllLines(PathOf(name) + ".tshark.txt"));

    public static IReadOnlyList<TsharkFrame> ParseTshark(IEnumerable<string> lines) =>
        lines.Where(l => l.Length > 0).Select(line =>
        {
            string[] fields = line.Split('\t');
            return new TsharkFrame(long.Parse(fields[0], CultureInfo.InvariantCulture), int.Parse(fields[1], CultureInfo.InvariantCulture),
                int.Parse(fields[2], CultureInfo.InvariantCulture), fields[3].Length > 0 ? ParseEpoch(fields[3]) : null,
                fields.Length > 4 && fields[4].Length > 0 ? int.Parse(fields[4], CultureInfo.InvariantCulture) : null);
        }).ToList();

    /// <summary>"seconds.nnnnnnnnn" as printed by tshark for frame.time_epoch, exactly, in nanoseconds.</summary>
    public static long ParseEpoch(string text)
    {
        string[] parts = text.Split('.');
        long seconds = long.Parse(parts[0], CultureInfo.InvariantCulture);
        string fraction = parts.Length > 1 ? parts[1].PadRight(9, '0')[..9] : "0";
        return seconds * 1_000_000_000 + long.Parse(fraction, CultureInfo.InvariantCulture);
    }

    /// <summary>Runs tshark with the listing's fields on <paramref name="path"/>; null when tshark is not installed.</summary>
    public static IReadOnlyList<TsharkFrame>? RunTshark(string path)
    {
        string? tshark = FindTool("tshark");
        if (tshark is null) return null;
        var start = new System.Diagnostics.ProcessStartInfo(tshark)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "-r", path, "-T", "fields", "-E", "separator=/t", "-e", "frame.number", "-e", "frame.len", "-e", "frame.cap_len", "-e", "frame.time_epoch", "-e", "frame.interface_id" })
            start.ArgumentList.Add(argument);
        using var process = System.Diagnostics.Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "tshark did not finish");
        Assert.True(process.ExitCode == 0, $"tshark failed on {path}: {errors.Result}");
        return ParseTshark(output.Split('\n'));
    }

    public static string? FindTool(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
}

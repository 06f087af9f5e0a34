namespace SharpBpf.Tests.Elf;

/// <summary>Locates the compiled fixture objects in tests/fixtures by walking up from the test output directory.</summary>
internal static class Fixtures
{
    private static readonly Lazy<string> s_directory = new(() =>
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "tests", "fixtures");
            if (File.Exists(Path.Combine(candidate, "build.sh"))) return candidate;
        }
        throw new DirectoryNotFoundException("tests/fixtures not found above " + AppContext.BaseDirectory);
    });

    public static string Directory => s_directory.Value;

    public static string PathOf(string name) => Path.Combine(Directory, name + ".o");

    public static byte[] Bytes(string name) => File.ReadAllBytes(PathOf(name));

    public static IEnumerable<string> AllNames() =>
        System.IO.Directory.GetFiles(Directory, "*.o").Select(Path.GetFileNameWithoutExtension).Order()!;
}

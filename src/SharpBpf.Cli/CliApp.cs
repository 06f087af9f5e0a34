namespace SharpBpf.Cli;

/// <summary>Entry point of the <c>sharpbpf</c> tool.</summary>
public static class CliApp
{
    /// <summary>Runs the tool with <paramref name="args"/> and returns the exit code.</summary>
    public static int Run(string[] args)
    {
        Console.Error.WriteLine("sharpbpf: no commands yet");
        return 2;
    }
}

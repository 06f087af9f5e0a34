namespace SharpBpf;

/// <summary>Base type of every error SharpBpf reports about a program, an object file or a run.</summary>
public abstract class BpfException : Exception
{
    /// <summary>Creates the exception with a message that names what went wrong and where.</summary>
    protected BpfException(string message, Exception? inner = null) : base(message, inner) { }
}

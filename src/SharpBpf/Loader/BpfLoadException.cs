namespace SharpBpf.Loader;

/// <summary>An object could not be turned into runnable programs: a map could not be created, a reference could not be resolved, a name is unknown.</summary>
public sealed class BpfLoadException : BpfException
{
    /// <summary>Creates the exception.</summary>
    public BpfLoadException(string message, Exception? inner = null) : base(message, inner) { }
}

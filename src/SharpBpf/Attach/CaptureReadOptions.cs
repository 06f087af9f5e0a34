namespace SharpBpf.Attach;

/// <summary>How strictly the capture readers treat unusual but well-formed input.</summary>
public sealed record CaptureReadOptions
{
    /// <summary>The defaults: only the <see cref="LinkType"/> values named in the enum, records up to 16 MiB.</summary>
    public static CaptureReadOptions Default { get; } = new();

    /// <summary>
    /// When false (the default), a file or interface whose link type is not one of the named <see cref="LinkType"/>
    /// values is rejected with <see cref="BpfCaptureException"/> rather than delivered with bytes nobody can parse.
    /// When true, such records are delivered with their numeric link type.
    /// </summary>
    public bool AcceptAnyLinkType { get; init; }

    /// <summary>
    /// Largest captured length accepted for one record, whatever the snap length says; a longer record is reported as
    /// corrupt instead of allocating its claimed size. Default 16 MiB.
    /// </summary>
    public int MaxCapturedLength { get; init; } = 16 * 1024 * 1024;
}

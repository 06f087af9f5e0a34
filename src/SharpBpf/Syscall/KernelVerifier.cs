using SharpBpf.Verifier;

namespace SharpBpf.Syscall;

/// <summary>
/// Plugs <see cref="BpfVerifier"/> into <see cref="BpfSystem.Verifier"/>: the program is checked with map references
/// as indexes into the maps it uses, and a rejection returns -EACCES with the verifier's log, as the kernel does.
/// </summary>
public sealed class KernelVerifier : IProgramVerifier
{
    /// <summary>Creates the hook with <paramref name="options"/> (privileged by default).</summary>
    public KernelVerifier(VerifierOptions? options = null) => Options = options ?? new VerifierOptions();

    /// <summary>Verifier settings (the request's log level overrides <see cref="VerifierOptions.LogLevel"/>).</summary>
    public VerifierOptions Options { get; }

    /// <inheritdoc/>
    public VerificationOutcome Verify(VerificationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var input = new VerifierInput(request.IndexedCode, request.Type, request.Maps.Select(map => map.Definition).ToArray(), request.Helpers);
        var result = BpfVerifier.Verify(input, Options with { LogLevel = (int)Math.Max(request.LogLevel, (uint)Options.LogLevel) });
        string log = result.Accepted ? result.Log : $"{result.Log}{(result.Log.EndsWith('\n') || result.Log.Length == 0 ? "" : "\n")}{result.Error}\n";
        return new VerificationOutcome(result.Accepted, log, StackDepth: result.Accepted ? result.StackDepth : -1);
    }
}

using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Memory;
using SharpBpf.Runtime;

namespace SharpBpf.Jit;

/// <summary>A program compiled to native code by <see cref="JitCompiler"/>.</summary>
public sealed class JitExecutable : BpfExecutable
{
    private readonly JitFunction _entry;
    private readonly JitRuntime _runtime;
    private readonly int _stackSize;
    private readonly int _zeroedBytes;
    private readonly bool _stackIsPrivate;
    private readonly bool _checked;
    // Private stack, no callbacks and no helper call sites: the entry is called with no region, invoker or handler.
    private readonly bool _runsBare;
    // Indexed by instruction slot: the compiled function at each callback entry (lddw rX, func target), else null.
    private readonly JitFunction?[] _callbacks;
    private readonly ProgramCallbackInvoker? _invoker;
    [ThreadStatic] private static int t_callbackDepth;

    internal JitExecutable(Bytecode code, HelperTable helpers, ExecutionOptions options, JitFunction entry, JitRuntime runtime,
        int stackSize, int methodCount, JitOptions jitOptions, JitFunction?[] callbacks, bool stackIsPrivate, int zeroedBytes)
        : base(code, helpers, options)
    {
        // Private: no region for the stack (what may still reach it is zeroed in full, FrameBytesTouched = -1).
        _stackIsPrivate = stackIsPrivate;
        _checked = jitOptions.MemoryMode == JitMemoryMode.Checked;
        _zeroedBytes = zeroedBytes;
        _entry = entry;
        _runtime = runtime;
        _stackSize = stackSize;
        _callbacks = callbacks;
        if (Array.Exists(callbacks, c => c is not null)) _invoker = InvokeCallback;
        _runsBare = _stackIsPrivate && _invoker is null && !runtime.RecordsCallSites;
        MethodCount = methodCount;
        JitOptions = jitOptions;
    }

    /// <inheritdoc />
    public override string EngineName => "jit";

    /// <summary>How many methods the program was compiled into (functions plus regions of split functions).</summary>
    public int MethodCount { get; }

    /// <summary>The options it was compiled with.</summary>
    public JitOptions JitOptions { get; }

    /// <inheritdoc />
    [System.Runtime.CompilerServices.SkipLocalsInit]
    protected internal override unsafe ulong Execute(RunContext context, ulong r1, ulong r2)
    {
        // One allocation holds the bounds block, then the stack. Constant sizes: no probing loop for a variable one.
        const int BoundsBytes = JitRuntime.BoundsWords * 8;
        byte* block;
        if (_stackSize == Reg.StackFrameSize)
        {
            byte* frame = stackalloc byte[BoundsBytes + Reg.StackFrameSize];
            block = frame;
        }
        else
        {
            byte* frames = stackalloc byte[BoundsBytes + Reg.StackFrameSize * Reg.MaxCallDepth];
            block = frames;
        }
        ulong* bounds = (ulong*)block;
        byte* stack = block + BoundsBytes;
        ulong stackBase = (ulong)stack;
        ulong top = stackBase + (ulong)_stackSize;
        // Zeroed explicitly (locals init is skipped), so a program never reads stale host data from its stack: only
        // the bytes it can reach, when the layout or the verifier knows them.
        if (_zeroedBytes != 0) new Span<byte>(stack + _stackSize - _zeroedBytes, _zeroedBytes).Clear();
        // Only checked code reads the bounds (the call-site word after them is written by the compiled code).
        if (_checked) JitRuntime.FillBounds(context, stackBase, (ulong)_stackSize, bounds);
        if (_runsBare)
        {
            // Nothing outside the compiled code can see the stack: no region to add and remove.
            ulong r0 = _entry(context, r1, r2, 0, 0, 0, top, stackBase, 1, (nint)bounds);
            return context.StopRequested ? context.StopValue : r0;
        }
        if (_stackIsPrivate && _invoker is null)
        {
            try
            {
                ulong r0 = _entry(context, r1, r2, 0, 0, 0, top, stackBase, 1, (nint)bounds);
                return context.StopRequested ? context.StopValue : r0;
            }
            catch (Exception e) when (_runtime.LocateHelperFault(e, (nint)bounds) is { } located)
            {
                throw located;
            }
        }

        // Reference stores cost a GC write barrier each: only programs with callbacks swap the invoker.
        var previousInvoker = _invoker is null ? null : context.CallbackInvoker;
        if (_invoker is not null) context.CallbackInvoker = _invoker;
        int stackRegion = context.RegionCount;
        context.AddRegion(new MemoryRegion(stackBase, (ulong)_stackSize, MemoryAccess.ReadWrite, "stack"));
        try
        {
            ulong r0 = _entry(context, r1, r2, 0, 0, 0, top, stackBase, 1, (nint)bounds);
            return context.StopRequested ? context.StopValue : r0;
        }
        catch (Exception e) when (_runtime.LocateHelperFault(e, (nint)bounds) is { } located)
        {
            throw located;
        }
        finally
        {
            if (stackRegion < context.RegionCount) context.RemoveRegionAt(stackRegion);
            if (_invoker is not null) context.CallbackInvoker = previousInvoker;
        }
    }

    /// <summary>
    /// The <see cref="RunContext.CallbackInvoker"/> of this program: runs the function whose address the program took
    /// (<c>lddw rX, func</c>) on a fresh zeroed stack, its budget charged to the run; callbacks nest at most
    /// <see cref="Reg.MaxCallDepth"/> deep.
    /// </summary>
    [System.Runtime.CompilerServices.SkipLocalsInit]
    private unsafe ulong InvokeCallback(RunContext context, ulong callback, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5)
    {
        if (!RunContext.TryDecodeCallback(callback, out int entry) || entry >= _callbacks.Length || _callbacks[entry] is not { } function)
            throw new BpfRuntimeException(RuntimeError.HelperFault, -1, null, $"callback 0x{callback:x} is not the address of a function of this program");
        if (t_callbackDepth >= Reg.MaxCallDepth)
            throw new BpfRuntimeException(RuntimeError.CallDepthExceeded, -1, null, $"callbacks nest more than {Reg.MaxCallDepth} deep");
        byte* stack = stackalloc byte[_stackSize];
        new Span<byte>(stack, _stackSize).Clear();
        ulong stackBase = (ulong)stack;
        int stackRegion = context.RegionCount;
        context.AddRegion(new MemoryRegion(stackBase, (ulong)_stackSize, MemoryAccess.ReadWrite, "stack"));
        // The callback's own bounds block, so its helper calls record their call sites apart from the caller's.
        ulong* bounds = stackalloc ulong[JitRuntime.BoundsWords];
        t_callbackDepth++;
        try
        {
            JitRuntime.FillBounds(context, stackBase, (ulong)_stackSize, bounds);
            return function(context, r1, r2, r3, r4, r5, stackBase + (ulong)_stackSize, stackBase, 1, (nint)bounds);
        }
        catch (Exception e) when (_runtime.LocateHelperFault(e, (nint)bounds) is { } located)
        {
            throw located;
        }
        finally
        {
            t_callbackDepth--;
            if (stackRegion < context.RegionCount) context.RemoveRegionAt(stackRegion);
        }
    }
}

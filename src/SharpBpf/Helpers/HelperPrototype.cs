namespace SharpBpf.Helpers;

/// <summary>What a helper argument must be, as the verifier checks it (the kernel's <c>ARG_*</c>).</summary>
public enum HelperArgument : byte
{
    /// <summary>Argument not used.</summary>
    None,
    /// <summary>ARG_ANYTHING: any initialised scalar or pointer.</summary>
    Anything,
    /// <summary>ARG_CONST_MAP_PTR: a map (the <c>lddw</c> map handle).</summary>
    ConstMapPointer,
    /// <summary>ARG_PTR_TO_MAP_KEY: readable memory of the map's key size.</summary>
    MapKey,
    /// <summary>ARG_PTR_TO_MAP_VALUE: readable memory of the map's value size.</summary>
    MapValue,
    /// <summary>ARG_PTR_TO_UNINIT_MAP_VALUE: writable memory of the map's value size, filled by the helper.</summary>
    UninitMapValue,
    /// <summary>ARG_PTR_TO_MEM | MEM_RDONLY: initialised readable memory; its size is the next argument.</summary>
    InitializedMemory,
    /// <summary>ARG_PTR_TO_UNINIT_MEM: writable memory the helper fills; its size is the next argument.</summary>
    UninitializedMemory,
    /// <summary>ARG_CONST_SIZE: a known, non-zero size of the previous memory argument.</summary>
    ConstSize,
    /// <summary>ARG_CONST_SIZE_OR_ZERO: a known size, possibly zero.</summary>
    ConstSizeOrZero,
    /// <summary>ARG_CONST_ALLOC_SIZE_OR_ZERO: the size to allocate (ring-buffer reservation).</summary>
    ConstAllocSizeOrZero,
    /// <summary>ARG_PTR_TO_CTX: the program's context pointer.</summary>
    Context,
    /// <summary>ARG_PTR_TO_RINGBUF_MEM: memory returned by <c>bpf_ringbuf_reserve</c>, released by this call.</summary>
    RingBufMemory,
    /// <summary>ARG_PTR_TO_FUNC: a program-local callback function.</summary>
    CallbackFunction,
    /// <summary>ARG_PTR_TO_STACK_OR_NULL: the callback context (stack pointer or NULL).</summary>
    StackOrNull,
    /// <summary>ARG_PTR_TO_SPIN_LOCK: a <c>struct bpf_spin_lock</c> inside a map value.</summary>
    SpinLock,
    /// <summary>ARG_PTR_TO_CONST_STR: a NUL-terminated string in read-only map memory.</summary>
    ConstString,
    /// <summary>ARG_PTR_TO_LONG: 8 writable bytes for a result.</summary>
    Long,
}

/// <summary>What a helper returns (the kernel's <c>RET_*</c>).</summary>
public enum HelperReturn : byte
{
    /// <summary>RET_INTEGER.</summary>
    Integer,
    /// <summary>RET_VOID.</summary>
    Void,
    /// <summary>RET_PTR_TO_MAP_VALUE_OR_NULL (for map-in-map lookups: an inner map or NULL).</summary>
    MapValueOrNull,
    /// <summary>RET_PTR_TO_RINGBUF_MEM_OR_NULL: reserved ring-buffer memory of the requested size, or NULL.</summary>
    RingBufMemoryOrNull,
}

/// <summary>A helper's signature for the verifier: return kind and up to five argument kinds (r1-r5).</summary>
public sealed class HelperPrototype
{
    private readonly HelperArgument[] _arguments;

    /// <summary>Creates a prototype; unlisted trailing arguments are <see cref="HelperArgument.None"/>.</summary>
    public HelperPrototype(HelperReturn returns, params HelperArgument[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (arguments.Length > 5) throw new ArgumentException("helpers take at most 5 arguments", nameof(arguments));
        for (int i = 0; i < arguments.Length; i++)
        {
            bool isSize = arguments[i] is HelperArgument.ConstSize or HelperArgument.ConstSizeOrZero;
            if (isSize && (i == 0 || arguments[i - 1] is not (HelperArgument.InitializedMemory or HelperArgument.UninitializedMemory)))
                throw new ArgumentException($"argument {i + 1} is a size but argument {i} is not memory", nameof(arguments));
        }
        Returns = returns;
        _arguments = new HelperArgument[5];
        arguments.CopyTo(_arguments, 0);
    }

    /// <summary>The return kind.</summary>
    public HelperReturn Returns { get; }

    /// <summary>The five argument kinds, r1 first.</summary>
    public IReadOnlyList<HelperArgument> Arguments => _arguments;

    /// <summary>Number of arguments used (up to the last that is not <see cref="HelperArgument.None"/>).</summary>
    public int ArgumentCount
    {
        get
        {
            int count = 5;
            while (count > 0 && _arguments[count - 1] == HelperArgument.None) count--;
            return count;
        }
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Returns}({string.Join(", ", _arguments.Take(ArgumentCount))})";
}

namespace SharpBpf.Helpers;

/// <summary>Linux helper ids (<c>___BPF_FUNC_MAPPER</c> in <c>linux/bpf.h</c>) of the standard helpers.</summary>
public static class HelperIds
{
    /// <summary>bpf_map_lookup_elem.</summary>
    public const int MapLookupElem = 1;
    /// <summary>bpf_map_update_elem.</summary>
    public const int MapUpdateElem = 2;
    /// <summary>bpf_map_delete_elem.</summary>
    public const int MapDeleteElem = 3;
    /// <summary>bpf_probe_read.</summary>
    public const int ProbeRead = 4;
    /// <summary>bpf_ktime_get_ns.</summary>
    public const int KtimeGetNs = 5;
    /// <summary>bpf_trace_printk.</summary>
    public const int TracePrintk = 6;
    /// <summary>bpf_get_prandom_u32.</summary>
    public const int GetPrandomU32 = 7;
    /// <summary>bpf_get_smp_processor_id.</summary>
    public const int GetSmpProcessorId = 8;
    /// <summary>bpf_tail_call.</summary>
    public const int TailCall = 12;
    /// <summary>bpf_get_current_pid_tgid.</summary>
    public const int GetCurrentPidTgid = 14;
    /// <summary>bpf_get_current_comm.</summary>
    public const int GetCurrentComm = 16;
    /// <summary>bpf_perf_event_output.</summary>
    public const int PerfEventOutput = 25;
    /// <summary>bpf_probe_read_str.</summary>
    public const int ProbeReadStr = 45;
    /// <summary>bpf_map_push_elem.</summary>
    public const int MapPushElem = 87;
    /// <summary>bpf_map_pop_elem.</summary>
    public const int MapPopElem = 88;
    /// <summary>bpf_map_peek_elem.</summary>
    public const int MapPeekElem = 89;
    /// <summary>bpf_spin_lock.</summary>
    public const int SpinLock = 93;
    /// <summary>bpf_spin_unlock.</summary>
    public const int SpinUnlock = 94;
    /// <summary>bpf_strtol.</summary>
    public const int Strtol = 105;
    /// <summary>bpf_strtoul.</summary>
    public const int Strtoul = 106;
    /// <summary>bpf_probe_read_user.</summary>
    public const int ProbeReadUser = 112;
    /// <summary>bpf_probe_read_kernel.</summary>
    public const int ProbeReadKernel = 113;
    /// <summary>bpf_probe_read_user_str.</summary>
    public const int ProbeReadUserStr = 114;
    /// <summary>bpf_probe_read_kernel_str.</summary>
    public const int ProbeReadKernelStr = 115;
    /// <summary>bpf_ktime_get_boot_ns.</summary>
    public const int KtimeGetBootNs = 125;
    /// <summary>bpf_ringbuf_output.</summary>
    public const int RingbufOutput = 130;
    /// <summary>bpf_ringbuf_reserve.</summary>
    public const int RingbufReserve = 131;
    /// <summary>bpf_ringbuf_submit.</summary>
    public const int RingbufSubmit = 132;
    /// <summary>bpf_ringbuf_discard.</summary>
    public const int RingbufDiscard = 133;
    /// <summary>bpf_ringbuf_query.</summary>
    public const int RingbufQuery = 134;
    /// <summary>bpf_ktime_get_coarse_ns.</summary>
    public const int KtimeGetCoarseNs = 160;
    /// <summary>bpf_for_each_map_elem.</summary>
    public const int ForEachMapElem = 164;
    /// <summary>bpf_snprintf.</summary>
    public const int Snprintf = 165;
    /// <summary>bpf_trace_vprintk.</summary>
    public const int TraceVprintk = 177;
    /// <summary>bpf_loop.</summary>
    public const int Loop = 181;
    /// <summary>bpf_strncmp.</summary>
    public const int Strncmp = 182;
}

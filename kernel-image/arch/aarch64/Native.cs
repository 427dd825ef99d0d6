using System.Runtime;
using System.Runtime.CompilerServices;

namespace Aurora.Kernel.Arch.Aarch64;

/// <summary>The instructions of cpu.S, entry.S and portable.S, one function each.</summary>
internal static unsafe class Native
{
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_read_currentel")] internal static extern ulong ReadCurrentEl();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_memory_fence")] internal static extern void MemoryFence();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_dma_write_barrier")] internal static extern void DmaWriteBarrier();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_dma_read_barrier")] internal static extern void DmaReadBarrier();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_code_written")] internal static extern void CodeWritten(ulong address, ulong length);
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_read_id_aa64isar0")] internal static extern ulong ReadInstructionSetFeatures();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_read_midr")] internal static extern ulong ReadMidr();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_read_cntfrq")] internal static extern ulong ReadCounterFrequency();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_read_cntvct")] internal static extern ulong ReadVirtualCounter();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_read_sctlr")] internal static extern ulong ReadSctlr();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_read_tcr")] internal static extern ulong ReadTcr();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_read_mair")] internal static extern ulong ReadMair();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_read_ttbr0")] internal static extern ulong ReadTtbr0();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_read_ttbr1")] internal static extern ulong ReadTtbr1();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_read_daif")] internal static extern ulong ReadDaif();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_read_spsel")] internal static extern ulong ReadStackSelect();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_read_id_aa64mmfr0")] internal static extern ulong ReadMemoryModelFeatures();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_read_id_aa64mmfr1")] internal static extern ulong ReadMemoryModelFeatures1();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_read_id_aa64pfr0")] internal static extern ulong ReadProcessorFeatures0();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_read_cpacr")] internal static extern ulong ReadCpacr();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_read_cntv_ctl")] internal static extern ulong ReadVirtualTimerControl();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_read_cntv_tval")] internal static extern ulong ReadVirtualTimerValue();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_read_tpidr_el0")] internal static extern ulong ReadUserThreadPointer();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_read_nzcv")] internal static extern ulong ReadConditionFlags();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_write_nzcv")] internal static extern void WriteConditionFlags(ulong flags);
    /// <summary>PSTATE.PAN (FEAT_PAN only: the MRS is UNDEFINED without it).</summary>
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_read_pan")] internal static extern ulong ReadPan();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_enable_pan")] internal static extern void EnablePan();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_read_security_cookie")] internal static extern ulong ReadSecurityCookie();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_read_vbar")] internal static extern ulong ReadVectorBase();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_read_cntkctl")] internal static extern ulong ReadCounterKernelControl();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_write_sctlr")] internal static extern void WriteSctlr(ulong value);
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_write_cntkctl")] internal static extern void WriteCounterKernelControl(ulong value);
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_write_cntv_tval")] internal static extern void WriteVirtualTimerValue(ulong ticks);
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_write_cntv_ctl")] internal static extern void WriteVirtualTimerControl(ulong value);
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_read_fp")] internal static extern ulong ReadFramePointer();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_irq_enable")] internal static extern void EnableInterrupts();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_irq_disable")] internal static extern void DisableInterrupts();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_wait_for_interrupt")] internal static extern void WaitForInterrupt();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_breakpoint")] internal static extern void Breakpoint();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_psci_hvc")] internal static extern ulong PsciCall(ulong function, ulong a1, ulong a2, ulong a3);
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_psci_smc")] internal static extern ulong PsciSmc(ulong function, ulong a1, ulong a2, ulong a3);
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_switch_tables")] internal static extern void SwitchTables(ulong mair, ulong tcr, ulong ttbr0, ulong ttbr1);
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_translate")] internal static extern ulong TranslateRead(ulong virtualAddress);
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_invalidate_page")] internal static extern void InvalidatePage(ulong virtualAddress);
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_invalidate_all")] internal static extern void InvalidateAll();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_image_sections")] internal static extern void ImageSections(ulong* textEnd, ulong* rodataEnd);
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_switch_context")] internal static extern void SwitchContext(ulong* saveStackPointer, ulong newStackPointer);
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_thread_start_address")] internal static extern ulong ThreadStartAddress();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_enter_user")] internal static extern void EnterUser(ulong entry, ulong stackPointer);
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_enter_user_at")] internal static extern void EnterUserAt(ulong entry, ulong stackPointer, ulong kernelTop);
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_resume_user")] internal static extern void ResumeUser(void* context, ulong kernelTop, ulong result);
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_programs")] internal static extern ulong* Programs();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_user_program")] internal static extern void UserProgramBounds(byte** start, byte** end);
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_image_size")] internal static extern ulong ImageSize();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_write_ttbr0")] internal static extern void WriteTtbr0(ulong root);
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_write_tpidr_el0")] internal static extern void WriteUserThreadPointer(ulong value);
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_boot_tables")] internal static extern void BootTables(ulong** root, ulong** directTables, ulong* leafBits);
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_modules_bounds")] internal static extern void ModulesBounds(void*** start, void*** end);

    /// <summary>Points VBAR_EL1 at the vector table of vectors.S.</summary>
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_install_vectors")] internal static extern void InstallVectors();
}

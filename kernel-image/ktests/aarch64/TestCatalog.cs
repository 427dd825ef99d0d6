namespace Aurora.Kernel.Tests;

/// <summary>
/// The in-kernel tests of the aarch64 test image (./aurora build --arch aarch64 --test): the
/// x86_64 catalog's tests (ktests/TestCatalog.cs) whose code runs on aarch64 so far, the same
/// bodies. The host's Aarch64KernelTests reads the names from this file (one
/// <c>T("name", &amp;Body)</c> per line) and boots the image once with test=all.
/// </summary>
internal static unsafe class TestCatalog
{
    private static TestCase T(string name, delegate*<void> body) => new TestCase(name, body);

    internal static readonly TestCase[] All =
    {
        T("runtime.interface_dispatch_six_implementations", &RuntimeTests.InterfaceDispatchSixImplementations),
        T("runtime.gc_static_holder", &RuntimeTests.ReferenceTypeStatics),
        T("runtime.static_constructor_runs_once", &RuntimeTests.StaticConstructorRunsOnce),
        T("runtime.delegates", &RuntimeTests.Delegates),
        T("runtime.boxing_and_unboxing", &RuntimeTests.BoxingAndUnboxing),
        T("runtime.casting", &RuntimeTests.Casting),
        T("runtime.spans_and_arrays", &RuntimeTests.SpansAndArrays),
        T("runtime.string_literals", &RuntimeTests.StringLiterals),
        T("runtime.integer_formatting", &RuntimeTests.IntegerFormatting),
        T("memory.frame_totals_match_memory_map", &MemoryTests.FrameTotalsMatchMemoryMap),
        T("memory.frame_allocator_stress", &MemoryTests.FrameAllocatorStress),
        T("memory.heap_stress", &MemoryTests.HeapStress),
        T("memory.runtime_objects_come_from_the_heap", &MemoryTests.RuntimeObjectsComeFromTheHeap),
        T("sched.timer_preempts_spinning_threads", &SchedulerTests.TimerPreemptsSpinningThreads),
        T("sched.nice_weights_divide_the_processor", &SchedulerTests.NiceWeightsDivideTheProcessor),
        T("sched.sleep_wakes_after_the_requested_time", &SchedulerTests.SleepWakesAfterTheRequestedTime),
        T("sched.switches_preserve_register_state", &SchedulerTests.SwitchesPreserveRegisterState),
        T("sched.exit_codes_arrive_and_join_frees_threads", &SchedulerTests.ExitCodesArriveAndJoinFreesThreads),
        T("sched.yield_runs_a_waiting_thread", &SchedulerTests.YieldRunsAWaitingThread),
        T("sched.threads_share_the_heap_safely", &SchedulerTests.ThreadsShareTheHeapSafely),
        T("process.hello_runs_and_exits_with_its_status", &ProcessTests.HelloRunsAndExitsWithItsStatus),
        T("process.bad_syscall_arguments_return_errors", &ProcessTests.BadSyscallArgumentsReturnErrors),
        T("process.faulting_program_is_killed_alone", &ProcessTests.FaultingProgramIsKilledAlone),
        T("process.program_heap_grows_through_brk_and_mmap", &ProcessTests.ProgramHeapGrowsThroughBrkAndMmap),
        T("process.fork_copies_on_write_and_wait_collects_children", &ProcessTests.ForkCopiesOnWriteAndWaitCollectsChildren),
        T("process.wait_takes_linuxs_options", &ProcessTests.WaitTakesLinuxsOptions),
        T("process.signals_reach_handlers_and_kill", &ProcessTests.SignalsReachHandlersAndKill),
        T("process.futex_follows_linux", &ThreadTests.FutexFollowsLinux),
        T("process.pthreads_follow_linux", &ThreadTests.PthreadsFollowLinux),
        T("process.a64_hello_runs_as_a_process", &Aarch64ProcessTests.HelloRunsAsAProcess),
        T("process.a64_fork_pipes_and_signals", &Aarch64ProcessTests.ForkPipesAndSignals),
    };
}

namespace Aurora.Kernel.Tests;

/// <summary>One in-kernel test: a name and a body that reports through TestRunner.Check.</summary>
internal sealed unsafe class TestCase
{
    public readonly string Name;
    public readonly delegate*<void> Body;

    public TestCase(string name, delegate*<void> body)
    {
        Name = name;
        Body = body;
    }
}

/// <summary>
/// Every in-kernel test, by name. The host-side xunit project reads this file to learn the
/// names (one <c>T("name", &amp;Body)</c> per line), so each in-kernel test shows up in
/// <c>dotnet test</c> under its own name.
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
        T("arch.sse_enabled", &ArchTests.SseEnabled),
        T("arch.breakpoint_handler_returns", &ArchTests.BreakpointHandlerReturns),
        T("arch.stack_cookie_is_randomized", &ArchTests.StackCookieIsRandomized),
        T("arch.pit_programmed_for_1000hz", &ArchTests.PitProgrammedFor1000Hz),
        T("arch.timer_ticks_advance", &ArchTests.TimerTicksAdvance),
        T("console.screen_shows_log", &ConsoleTests.ScreenShowsLog),
        T("boot.memory_map_has_usable_memory", &BootTests.MemoryMapHasUsableMemory),
        T("boot.loader_identified", &BootTests.LoaderIdentified),
        T("boot.direct_map_reaches_kernel_image", &BootTests.DirectMapReachesKernelImage),
        T("memory.frame_totals_match_memory_map", &MemoryTests.FrameTotalsMatchMemoryMap),
        T("memory.frame_allocator_stress", &MemoryTests.FrameAllocatorStress),
        T("memory.heap_stress", &MemoryTests.HeapStress),
        T("memory.runtime_objects_come_from_the_heap", &MemoryTests.RuntimeObjectsComeFromTheHeap),
        T("memory.kernel_sections_have_w_xor_x", &MemoryTests.KernelSectionsHaveWxorX),
        T("memory.map_touch_unmap", &MemoryTests.MapTouchUnmap),
        T("memory.unmapped_read_faults_as_not_present", &MemoryTests.UnmappedReadFaultsAsNotPresent),
        T("memory.write_to_read_only_data_faults", &MemoryTests.WriteToReadOnlyDataFaults),
        T("memory.execute_from_data_page_faults", &MemoryTests.ExecuteFromDataPageFaults),
        T("sched.timer_preempts_spinning_threads", &SchedulerTests.TimerPreemptsSpinningThreads),
        T("sched.nice_weights_divide_the_processor", &SchedulerTests.NiceWeightsDivideTheProcessor),
        T("sched.sleep_wakes_after_the_requested_time", &SchedulerTests.SleepWakesAfterTheRequestedTime),
        T("sched.switches_preserve_register_state", &SchedulerTests.SwitchesPreserveRegisterState),
        T("sched.exit_codes_arrive_and_join_frees_threads", &SchedulerTests.ExitCodesArriveAndJoinFreesThreads),
        T("sched.yield_runs_a_waiting_thread", &SchedulerTests.YieldRunsAWaitingThread),
        T("sched.threads_share_the_heap_safely", &SchedulerTests.ThreadsShareTheHeapSafely),
        T("wait.sleepers_are_woken_by_their_event", &WaitTests.SleepersAreWokenByTheirEvent),
        T("wait.idle_system_runs_only_the_tick", &WaitTests.IdleSystemRunsOnlyTheTick),
        T("wait.console_input_arrives_by_interrupt", &WaitTests.ConsoleInputArrivesByInterrupt),
        T("process.hello_runs_and_exits_with_its_status", &ProcessTests.HelloRunsAndExitsWithItsStatus),
        T("process.bad_syscall_arguments_return_errors", &ProcessTests.BadSyscallArgumentsReturnErrors),
        T("process.faulting_program_is_killed_alone", &ProcessTests.FaultingProgramIsKilledAlone),
        T("process.program_heap_grows_through_brk_and_mmap", &ProcessTests.ProgramHeapGrowsThroughBrkAndMmap),
        T("process.fork_copies_on_write_and_wait_collects_children", &ProcessTests.ForkCopiesOnWriteAndWaitCollectsChildren),
        T("process.fork_cow_exit_storm_keeps_memory_intact", &ProcessTests.ForkCowExitStormKeepsMemoryIntact),
        T("process.mprotect_and_huge_ranges_follow_regions", &ProcessTests.MprotectAndHugeRangesFollowRegions),
        T("process.faults_reach_the_programs_handlers", &ProcessTests.FaultsReachTheProgramsHandlers),
        T("process.wait_takes_linuxs_options", &ProcessTests.WaitTakesLinuxsOptions),
        T("process.files_work_through_the_vfs", &ProcessTests.FilesWorkThroughTheVfs),
        T("descriptors.table_follows_linux", &DescriptorTests.TableFollowsLinux),
        T("descriptors.paths_start_at_dirfd_and_working_directory", &DescriptorTests.PathsStartAtDirfdAndWorkingDirectory),
        T("descriptors.socket_is_shared_across_fork_and_closed_by_the_last_holder", &DescriptorTests.SocketIsSharedAcrossForkAndClosedByTheLastHolder),
        T("files.read_only_image_is_mounted_beside_tmpfs", &FileSystemTests.ReadOnlyImageIsMountedBesideTmpfs),
        T("files.initramfs_is_unpacked_into_root", &FileSystemTests.InitramfsIsUnpackedIntoRoot),
        T("files.readdir_and_unlink_empty_a_directory_in_one_pass", &FileSystemTests.ReaddirAndUnlinkEmptiesADirectoryInOnePass),
        T("pipes.pipes_follow_linux", &PipeTests.PipesFollowLinux),
        T("devproc.dev_and_proc_follow_linux", &DevProcTests.DevAndProcFollowLinux),
        T("devproc.busybox_reads_proc_and_dev", &DevProcTests.BusyboxReadsProcAndDev),
        T("system.basics_follow_linux", &SystemTests.BasicsFollowLinux),
        T("system.realtime_starts_from_the_rtc", &SystemTests.RealtimeStartsFromTheRtc),
        T("busybox.commands_match_the_host", &BusyboxTests.CommandsMatchTheHost),
        T("process.execve_runs_a_program_from_the_file_tree", &ProcessTests.ExecveRunsAProgramFromTheFileTree),
        T("process.signals_reach_handlers_and_kill", &ProcessTests.SignalsReachHandlersAndKill),
        T("process.ipc_needs_capability_tokens", &ProcessTests.IpcNeedsCapabilityTokens),
        T("process.layout_is_random_per_run", &ProcessTests.LayoutIsRandomPerRun),
        T("process.bad_programs_are_refused", &ProcessTests.BadProgramsAreRefused),
        T("hardening.cr0_write_protect_and_numeric_error_on", &HardeningTests.WriteProtectAndNumericErrorAreOn),
        T("hardening.smep_smap_umip_on_where_offered", &HardeningTests.SmepSmapUmipOnWhereOffered),
        T("hardening.kernel_read_of_user_page_faults_without_stac", &HardeningTests.KernelReadOfUserPageFaultsWithoutStac),
        T("hardening.kernel_execute_of_user_page_faults", &HardeningTests.KernelExecuteOfUserPageFaults),
        T("hardening.user_descriptor_table_instructions_fault", &HardeningTests.UserDescriptorTableInstructionsFault),
        T("hardening.rflags_are_per_thread", &HardeningTests.RflagsArePerThread),
        T("hardening.nested_task_flag_from_user_is_harmless", &HardeningTests.NestedTaskFlagFromUserIsHarmless),
        T("hardening.no_return_to_non_canonical_addresses", &HardeningTests.NoReturnToNonCanonicalAddresses),
        T("hardening.user_write_to_kernel_page_is_sigsegv", &HardeningTests.UserWriteToKernelPageIsSigsegv),
        T("hardening.signal_frame_matches_linux", &HardeningTests.SignalFrameMatchesLinux),
        T("pti.state_follows_cpu_and_option", &PageTableIsolationTests.StateFollowsCpuAndOption),
        T("pti.user_root_maps_only_entry_pages", &PageTableIsolationTests.UserRootMapsOnlyEntryPages),
        T("pti.user_mode_runs_on_the_expected_root", &PageTableIsolationTests.UserModeRunsOnTheExpectedRoot),
        T("limits.tables_have_per_account_shares", &LimitTests.TablesHavePerAccountShares),
        T("limits.rlimit_nproc_stops_a_fork_bomb", &LimitTests.RlimitNprocStopsAForkBomb),
        T("limits.filling_tmpfs_gives_enospc", &LimitTests.FillingTmpfsGivesEnospc),
        T("limits.filters_cover_sigreturn_and_children", &LimitTests.FiltersCoverSigreturnAndChildren),
        T("net.e1000_resolves_the_gateway_with_arp", &NetworkTests.E1000ResolvesTheGatewayWithArp),
        T("net.malformed_frames_are_dropped_and_counted", &NetworkTests.MalformedFramesAreDroppedAndCounted),
        T("drivers.registry_binds_the_e1000_by_id", &DriverTests.RegistryBindsTheE1000ById),
        T("drivers.unknown_id_is_not_probed_and_remove_unbinds", &DriverTests.UnknownIdIsNotProbedAndRemoveUnbinds),
        T("drivers.e1000_receives_on_its_interrupt", &DriverTests.E1000ReceivesOnItsInterrupt),
        T("drivers.dma_buffers_are_contiguous_and_mapped_as_asked", &DriverTests.DmaBuffersAreContiguousAndMappedAsAsked),
        T("drivers.msi_capability_is_found_and_programmed", &DriverTests.MsiCapabilityIsFoundAndProgrammed),
        T("drivers.edu_msi_is_delivered_to_its_driver", &EduTests.MsiIsDeliveredToTheDriver),
        T("hostnet.tcp_and_udp_round_trips_with_the_host", &NetworkTests.TcpAndUdpRoundTripsWithTheHost),
        T("modsign.signed_module_verifies", &ModuleSignatureTests.SignedModuleVerifies),
        T("modsign.flipped_bit_is_rejected", &ModuleSignatureTests.FlippedBitIsRejected),
        T("modsign.truncated_module_is_rejected", &ModuleSignatureTests.TruncatedModuleIsRejected),
        T("modsign.other_key_is_rejected", &ModuleSignatureTests.OtherKeyIsRejected),
        T("modsign.forged_key_id_is_rejected", &ModuleSignatureTests.ForgedKeyIdIsRejected),
        T("attack.syscall_fuzzer", &AttackTests.SyscallFuzzer),
        T("attack.fuzzer_cleanup_leaves_nothing_behind", &AttackTests.FuzzerCleanupLeavesNothingBehind),
        T("attack.fork_cow_exit_stress", &AttackTests.ForkCowExitStress),
        T("attack.privileged_instructions", &AttackTests.PrivilegedInstructions),
        T("attack.flag_tricks", &AttackTests.FlagTricks),
        T("attack.forged_signal_frames", &AttackTests.ForgedSignalFrames),
        T("attack.bad_pointers_give_efault", &AttackTests.BadPointersGiveEfault),
        T("attack.huge_ranges_answer_promptly", &AttackTests.HugeRangesAnswerPromptly),
        T("attack.malformed_elf_files_are_refused", &AttackTests.MalformedElfFilesAreRefused),
        T("attack.table_exhaustion_recovers", &AttackTests.TableExhaustionRecovers),
        T("attack.mprotect_respects_cow_and_read_only_attachments", &AttackTests.MprotectRespectsCowAndReadOnlyAttachments),
        T("panic.page_fault", &PanicTests.PageFault),
        T("panic.null_dereference", &PanicTests.NullDereference),
        T("panic.general_protection", &PanicTests.GeneralProtection),
        T("panic.bounds_check", &PanicTests.BoundsCheck),
        T("panic.divide_by_zero", &PanicTests.DivideByZero),
        T("panic.thrown_exception", &PanicTests.ThrownException),
        T("panic.heap_write_after_free", &PanicTests.HeapWriteAfterFree),
        T("panic.kernel_stack_overflow", &PanicTests.KernelStackOverflow),
    };
}

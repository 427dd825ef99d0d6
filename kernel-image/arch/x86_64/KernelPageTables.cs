// The page-table format of every address space on x86_64 (the kernel's and the processes'):
// components/vmm's PageMapper, the 4-level x86-64 format. kernel/Memory/KernelMemory.cs names
// it KernelPageMapper, so the portable memory manager compiles against each architecture's.
global using KernelPageMapper = Aurora.Vmm.PageMapper<Aurora.Kernel.Memory.DirectMap, Aurora.Kernel.Memory.PmmFrameSource, Aurora.Kernel.Memory.HardwareTlb>;

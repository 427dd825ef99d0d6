using Aurora.Kernel.Hal;

namespace Aurora.Kernel.Tasks;

/// <summary>
/// A sleeping lock for kernel code that may run long or be preempted (the VFS serving system
/// calls): a thread that finds it taken blocks, and the holder's release wakes the longest
/// waiter and hands the lock straight to it (FIFO, no barging). One processor: the lock's own
/// state is guarded by turning interrupts off. Not recursive; a plain struct, used by reference.
/// </summary>
internal unsafe struct KernelMutex
{
    private KernelThread* _owner;
    private KernelThread* _firstWaiter;
    private KernelThread* _lastWaiter;

    public readonly bool IsHeldByCurrentThread => _owner != null && _owner == Scheduler.Current;

    public void Acquire()
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        KernelThread* self = Scheduler.Current;
        if (_owner == self) Panic.Fail("kernel mutex acquired twice by one thread");
        if (_owner == null)
        {
            _owner = self;
        }
        else
        {
            self->NextWaiter = null;
            if (_lastWaiter == null) _firstWaiter = self;
            else _lastWaiter->NextWaiter = self;
            _lastWaiter = self;
            while (_owner != self) Scheduler.Block(); // Release makes us the owner before waking us
        }

        Cpu.RestoreInterrupts(interrupts);
    }

    public void Release()
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        if (_owner != Scheduler.Current) Panic.Fail("kernel mutex released by a thread that does not hold it");
        KernelThread* next = _firstWaiter;
        if (next != null)
        {
            _firstWaiter = next->NextWaiter;
            if (_firstWaiter == null) _lastWaiter = null;
            next->NextWaiter = null;
            _owner = next;
            Scheduler.Wake(next);
        }
        else
        {
            _owner = null;
        }

        Cpu.RestoreInterrupts(interrupts);
    }
}

using System.Runtime;
using System.Runtime.CompilerServices;
using Aurora.Kernel.Hal;

namespace Aurora.Kernel.Sync;

/// <summary>
/// A short, non-sleeping lock that also keeps interrupts off while held (Linux's
/// <c>spin_lock_irqsave</c>): the only kind of lock interrupt handlers and the scheduler may
/// take. The word is claimed with a locked exchange, so the same code serves more than one
/// processor; on one processor it never spins, because a holder cannot be preempted.
/// Never block, sleep or take a <see cref="Tasks.KernelMutex"/> while holding one; take them in
/// the order docs/architecture.md ("Locks") gives. Not recursive: a second acquire by the
/// holder is a panic, not a deadlock.
/// </summary>
/// <example><code>
/// bool flags = s_lock.Acquire();
/// ... touch what the lock protects ...
/// s_lock.Release(flags);
/// </code></example>
internal unsafe struct SpinLock
{
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_spin_acquire")]
    private static extern void AcquireWord(int* word);

    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_spin_release")]
    private static extern void ReleaseWord(int* word);

    private int _word;
    private void* _holder;
    public readonly bool IsHeld => _word != 0;

    /// <summary>Interrupts off, then the lock. Returns whether interrupts were on, for
    /// <see cref="Release"/>.</summary>
    public bool Acquire()
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        void* self = Tasks.Scheduler.Current;
        fixed (int* word = &_word)
        {
            if (_word != 0 && _holder == self && self != null)
                Panic.Fail("spin lock taken twice by one thread");
            AcquireWord(word);
        }

        _holder = self;
        return interrupts;
    }

    /// <summary>Releases the lock and puts interrupts back as <see cref="Acquire"/> found them.</summary>
    public void Release(bool interrupts)
    {
        if (_word == 0) Panic.Fail("spin lock released while free");
        _holder = null;
        fixed (int* word = &_word) ReleaseWord(word);
        Cpu.RestoreInterrupts(interrupts);
    }
}

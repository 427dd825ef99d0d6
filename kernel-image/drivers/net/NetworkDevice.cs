using System;

namespace Aurora.Kernel.Drivers.Net;

/// <summary>
/// A network card as the kernel sees it: the buffer loans of <c>Aurora.Net.INetworkDevice</c>
/// (smoltcp's <c>Device</c> with its <c>RxToken</c>/<c>TxToken</c>: a received frame is lent
/// to the stack and given back, a transmit buffer is lent, filled and handed to the card), its
/// MAC address, and one event hook. A driver raises <see cref="Signal"/> from its interrupt
/// handler when frames arrived, transmit buffers came free or the link changed; whoever drives
/// the device (the network stack) set <see cref="Listener"/> to wake itself.
/// Drivers register their devices in <see cref="NetworkDevices"/>.
/// </summary>
internal abstract class NetworkDevice
{
    public abstract string Name { get; }
    public abstract void MacAddress(Span<byte> mac);
    public abstract bool LinkUp { get; }

    /// <summary>True when the device raises <see cref="Signal"/> on its interrupt; false when
    /// its owner must poll it (no interrupt could be had).</summary>
    public bool InterruptDriven;

    public abstract bool TryReceive(out ReadOnlySpan<byte> frame);
    public abstract void ReleaseReceived();
    public abstract bool TryReserveTransmit(out Span<byte> buffer);
    public abstract void Transmit(int length);

    /// <summary>Interrupt moderation (Linux's NAPI): whoever drives the device is about to poll
    /// it, so the device may stop interrupting for received frames until
    /// <see cref="ReleaseInterrupts"/>. Each interrupt costs an exit, the handler and a wake-up
    /// of a thread that is polling already.</summary>
    public virtual void HoldInterrupts() { }

    /// <summary>The poller is about to sleep: interrupts for received frames on again. True when
    /// a frame arrived while they were held (no interrupt may announce it: poll again).</summary>
    public virtual bool ReleaseInterrupts() => false;

    /// <summary>Called from interrupt context (interrupts off) on every device event.</summary>
    public unsafe delegate*<void> Listener;

    public ulong InterruptCount, ReceivedFrames, SentFrames, DroppedFrames;

    protected unsafe void Signal()
    {
        var listener = Listener;
        if (listener != null) listener();
    }
}

/// <summary>The network devices drivers have registered, in order; the stack uses the first.
/// Registration happens in probe and remove (thread context, under the PCI registry lock).</summary>
internal static class NetworkDevices
{
    private const int Capacity = 8;
    private static NetworkDevice[]? s_devices;
    private static int s_count;

    internal static int Count => s_count;

    internal static NetworkDevice? First => s_count > 0 ? s_devices![0] : null;

    internal static NetworkDevice? At(int index) => (uint)index < (uint)s_count ? s_devices![index] : null;

    internal static bool Register(NetworkDevice device)
    {
        if (s_devices == null) s_devices = new NetworkDevice[Capacity];
        if (s_count == Capacity) return false;
        s_devices[s_count++] = device;
        return true;
    }

    internal static void Unregister(NetworkDevice device)
    {
        for (int i = 0; i < s_count; i++)
        {
            if (s_devices![i] != device) continue;
            for (int j = i + 1; j < s_count; j++) s_devices[j - 1] = s_devices[j];
            s_devices[--s_count] = null!;
            return;
        }
    }
}

using System;
using Aurora.Kernel.Boot;
using Aurora.Kernel.Drivers.Qemu;

namespace Aurora.Kernel;

/// <summary>
/// Kernel options: space-separated <c>key</c> or <c>key=value</c> words. They come from the
/// boot loader's command line, and QEMU's fw_cfg file "opt/aurora/cmdline" is appended, so a
/// test harness can choose the suite for one image without rebuilding it.
/// </summary>
internal unsafe struct CommandLine
{
    private const int Capacity = 512;
    private fixed byte _text[Capacity];
    private int _length;

    internal void Load(ref BootInfo info)
    {
        _length = 0;
        fixed (byte* commandLine = info.CommandLine)
            for (int i = 0; i < BootInfo.MaxText * 2 && commandLine[i] != 0 && _length < Capacity; i++)
                _text[_length++] = commandLine[i];
        if (_length < Capacity - 1) _text[_length++] = (byte)' ';
        fixed (byte* text = _text)
        {
            int read = FwCfg.ReadFile("opt/aurora/cmdline"u8, new Span<byte>(text + _length, Capacity - _length));
            if (read > 0) _length += read;
        }
    }

    internal ReadOnlySpan<byte> Text
    {
        get { fixed (byte* text = _text) return new ReadOnlySpan<byte>(text, _length); }
    }

    internal bool Has(string key) => Find(key, out _, out _);

    /// <summary>The value after "key=", or empty.</summary>
    internal ReadOnlySpan<byte> Value(string key)
    {
        if (!Find(key, out int start, out int length)) return default;
        fixed (byte* text = _text) return new ReadOnlySpan<byte>(text + start, length);
    }

    private bool Find(string key, out int valueStart, out int valueLength)
    {
        int i = 0;
        while (i < _length)
        {
            while (i < _length && IsSpace(_text[i])) i++;
            int wordStart = i;
            while (i < _length && !IsSpace(_text[i])) i++;
            int wordEnd = i;
            int k = 0;
            while (k < key.Length && wordStart + k < wordEnd && _text[wordStart + k] == key[k]) k++;
            if (k != key.Length) continue;
            int after = wordStart + k;
            if (after == wordEnd) { valueStart = after; valueLength = 0; return true; }
            if (_text[after] == (byte)'=') { valueStart = after + 1; valueLength = wordEnd - after - 1; return true; }
        }
        valueStart = 0;
        valueLength = 0;
        return false;
    }

    private static bool IsSpace(byte c) => c == (byte)' ' || c == (byte)'\n' || c == (byte)'\t' || c == 0;
}

using System;
using Aurora.Kernel.Boot;
using Aurora.Kernel.Drivers.Qemu;

namespace Aurora.Kernel;

/// <summary>
/// Kernel options: space-separated <c>key</c> or <c>key=value</c> words. They come from the
/// boot loader's command line, and QEMU's fw_cfg file "opt/aurora/cmdline" is appended, so a
/// test harness can choose the suite for one image without rebuilding it. <c>init=</c> is the
/// last option: the rest of the line after it is the first program's command line (program and
/// arguments, <see cref="InitCommand"/>), never read as options.
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

    /// <summary>The options as a HAL read them itself (aarch64's bring-up: the loader's line
    /// and fw_cfg through the device tree's address); the portable readers (the tests'
    /// options, <see cref="Has"/>, <see cref="Value"/>) then see the same words. Cut at 512
    /// bytes.</summary>
    internal void Set(ReadOnlySpan<byte> text)
    {
        _length = 0;
        for (int i = 0; i < text.Length && text[i] != 0 && _length < Capacity; i++) _text[_length++] = text[i];
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
            if (IsInitWord(wordStart, wordEnd) && !(key.Length == 4 && key[0] == 'i' && key[1] == 'n' && key[2] == 'i' && key[3] == 't'))
            {
                break;  // the rest of the line is init's arguments
            }

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

    private bool IsInitWord(int start, int end) =>
        end - start >= 5 && _text[start] == (byte)'i' && _text[start + 1] == (byte)'n' && _text[start + 2] == (byte)'i' &&
        _text[start + 3] == (byte)'t' && _text[start + 4] == (byte)'=';

    /// <summary>
    /// The first program's command line: everything after <c>init=</c> to the end of the
    /// options, split into words as a shell splits them — spaces separate words; '...' keeps
    /// everything inside as it is; "..." too, except that a backslash there escapes " and \;
    /// outside quotes a backslash escapes the next character. So
    /// <c>init=/bin/sh -c "exit 7"</c> runs /bin/sh with the arguments -c and "exit 7". The
    /// words are written to <paramref name="strings"/> NUL-terminated, one after another (the
    /// layout a new process's argument vector is built from). The word count, 0 without
    /// init= or with nothing after it, or -1 when the words do not fit or a quote is not closed.
    /// </summary>
    internal int InitCommand(Span<byte> strings)
    {
        if (!Find("init", out int i, out _)) return 0;
        int used = 0, count = 0;
        while (true)
        {
            while (i < _length && IsSpace(_text[i])) i++;
            if (i >= _length) return count;
            byte quote = 0;
            while (i < _length && (quote != 0 || !IsSpace(_text[i])))
            {
                byte c = _text[i++];
                if (quote == 0 && (c == (byte)'\'' || c == (byte)'"'))
                {
                    quote = c;
                    continue;
                }

                if (c == quote)
                {
                    quote = 0;
                    continue;
                }

                if (c == (byte)'\\' && quote != (byte)'\'' && i < _length &&
                    (quote == 0 || _text[i] == (byte)'"' || _text[i] == (byte)'\\'))
                {
                    c = _text[i++];
                }

                if (used >= strings.Length) return -1;
                strings[used++] = c;
            }

            if (quote != 0 || used >= strings.Length) return -1;
            strings[used++] = 0;
            count++;
        }
    }

    private static bool IsSpace(byte c) => c == (byte)' ' || c == (byte)'\n' || c == (byte)'\t' || c == 0;
}

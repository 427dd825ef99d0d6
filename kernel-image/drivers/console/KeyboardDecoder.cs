using System;

namespace Aurora.Kernel.Drivers.Console;

/// <summary>
/// PC keyboard scan codes (set 1, what the 8042 controller delivers with translation on, as
/// firmware leaves it) to the bytes a terminal reads, US layout, as Linux's console keymap
/// sends them: letters with Shift and Caps Lock, Ctrl+key as the control character, Alt+key
/// as ESC then the key, Backspace as DEL (0x7F), Enter as CR, and the cursor and editing keys
/// as VT100/xterm sequences (ESC [ A … ESC [ 3 ~). Key releases only update the modifiers.
/// The zero value is ready to use.
/// </summary>
public struct KeyboardDecoder
{
    private const byte Extended = 0xE0, Release = 0x80;
    private const byte LeftShift = 0x2A, RightShift = 0x36, Control = 0x1D, Alt = 0x38, CapsLock = 0x3A;

    // Unshifted and shifted characters for make codes 0x00-0x39 (0: no character).
    private const string Plain = "\0\x1b" + "1234567890-=\x7f\tqwertyuiop[]\r\0asdfghjkl;'`\0\\zxcvbnm,./\0*\0 ";
    private const string Shifted = "\0\x1b" + "!@#$%^&*()_+\x7f\tQWERTYUIOP{}\r\0ASDFGHJKL:\"~\0|ZXCVBNM<>?\0*\0 ";

    private bool _extended, _leftShift, _rightShift, _control, _alt, _capsLock;

    /// <summary>One byte from the keyboard; the bytes it types go into
    /// <paramref name="output"/> (at least 8 long). Returns how many.</summary>
    public int Decode(byte code, Span<byte> output)
    {
        if (code == Extended)
        {
            _extended = true;
            return 0;
        }

        bool extended = _extended;
        _extended = false;
        bool released = (code & Release) != 0;
        byte key = (byte)(code & ~Release);
        switch (key)
        {
            case LeftShift when !extended: _leftShift = !released; return 0;
            case RightShift when !extended: _rightShift = !released; return 0;
            case Control: _control = !released; return 0;
            case Alt: _alt = !released; return 0;
            case CapsLock when !extended:
                if (!released) _capsLock = !_capsLock;
                return 0;
        }

        if (released) return 0;
        if (extended) return EditingKey(key, output);
        if (key >= Plain.Length) return 0;
        bool shift = _leftShift || _rightShift;
        char c = shift ? Shifted[key] : Plain[key];
        if (c == '\0') return 0;
        if (_capsLock && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) c = (char)(c ^ 0x20); // Caps Lock inverts Shift for letters
        byte value = (byte)c;
        if (_control)
        {
            if (c >= '@' && c <= '~' && c != '`') value = (byte)(c & 0x1F);
            else if (c == ' ' || c == '`' || c == '2' || c == '@') value = 0;
            else if (c == '/' || c == '?' || c == '_' || c == '-') value = 0x1F;
            else if (c == '6' || c == '^') value = 0x1E;
        }

        int n = 0;
        if (_alt) output[n++] = 0x1B;
        output[n++] = value;
        return n;
    }

    /// <summary>The keys behind the 0xE0 prefix: cursor keys and the editing block.</summary>
    private static int EditingKey(byte key, Span<byte> output)
    {
        char final = key switch
        {
            0x48 => 'A', 0x50 => 'B', 0x4D => 'C', 0x4B => 'D',
            0x47 => '1', 0x52 => '2', 0x53 => '3', 0x4F => '4', 0x49 => '5', 0x51 => '6',
            0x1C => '\r', 0x35 => '/',
            _ => '\0',
        };
        if (final == '\0') return 0;
        if (final == '\r' || final == '/')
        {
            output[0] = (byte)final;
            return 1;
        }

        output[0] = 0x1B;
        output[1] = (byte)'[';
        output[2] = (byte)final;
        if (final >= 'A') return 3;
        output[3] = (byte)'~';
        return 4;
    }
}

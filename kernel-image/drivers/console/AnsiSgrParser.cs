namespace Aurora.Kernel.Drivers.Console;

/// <summary>What a console does with a byte after <see cref="AnsiSgrParser.Feed"/> saw it.</summary>
public enum AnsiFeedResult : byte
{
    /// <summary>Not part of an escape sequence: print it or act on it as a control character.</summary>
    Text,

    /// <summary>Part of an escape sequence: draw nothing.</summary>
    Consumed,

    /// <summary>Ended an SGR sequence: draw nothing, and pick up the new colours.</summary>
    AttributesChanged,
}

/// <summary>
/// Recognises ANSI escape sequences in a byte stream and keeps the colour state set by SGR
/// ("Select Graphic Rendition", <c>ESC [ … m</c>), so the kernel can colour its log once for the
/// serial port and every text console alike. Every other escape or control sequence is swallowed.
/// The state lives here between calls, so a sequence may be split across writes.
/// </summary>
/// <remarks>
/// Sequence syntax follows ECMA-48 section 5.4: after <c>ESC [</c> come parameter bytes
/// 0x30..0x3F, intermediate bytes 0x20..0x2F and one final byte 0x40..0x7E. Understood SGR
/// parameters (ECMA-48 section 8.3.117): 0 reset, 1 bold, 22 normal intensity, 30..37 and 90..97
/// foreground, 40..47 and 100..107 background, 39/49 default colours, and 38;5;n / 48;5;n for
/// n below 16. An empty parameter counts as 0. Colours are ANSI indices: 0 black, 1 red, 2 green,
/// 3 yellow, 4 blue, 5 magenta, 6 cyan, 7 white; +8 for the bright variant.
/// <para>
/// A control byte (below 0x20) or a non-ASCII byte inside a sequence aborts it and comes back as
/// <see cref="AnsiFeedResult.Text"/>, so a truncated sequence cannot swallow the rest of the log.
/// The zero value is a valid parser in its initial state (default colours, not bold).
/// </para>
/// </remarks>
public unsafe struct AnsiSgrParser
{
    private const byte Escape = 0x1B;
    private const int MaxParameters = 16;
    private const int MaxParameterValue = 9999;
    private const int DefaultForeground = 7;
    private const int DefaultBackground = 0;

    private enum State : byte
    {
        Ground,
        Escape,
        EscapeIntermediate,
        ControlSequence,
    }

    private State _state;
    private bool _notSgr;
    private int _parameterIndex;
    private fixed ushort _parameters[MaxParameters];

    // 0 means "the default colour", otherwise ANSI index + 1, so the zero value is the default.
    private byte _foreground;
    private byte _background;
    private bool _bold;

    /// <summary>ANSI colour index 0..15 for the foreground, with bold applied to 0..7.</summary>
    public int ForegroundIndex
    {
        get
        {
            int index = _foreground == 0 ? DefaultForeground : _foreground - 1;
            return _bold && index < 8 ? index + 8 : index;
        }
    }

    /// <summary>ANSI colour index 0..15 for the background.</summary>
    public int BackgroundIndex => _background == 0 ? DefaultBackground : _background - 1;

    public bool Bold => _bold;

    /// <summary>True while in the middle of an escape sequence.</summary>
    public bool InSequence => _state != State.Ground;

    /// <summary>Forgets any partial sequence and restores the default colours.</summary>
    public void Reset()
    {
        _state = State.Ground;
        ResetAttributes();
    }

    public AnsiFeedResult Feed(byte b)
    {
        switch (_state)
        {
            case State.Ground:
                if (b != Escape)
                {
                    return AnsiFeedResult.Text;
                }

                _state = State.Escape;
                return AnsiFeedResult.Consumed;

            case State.Escape:
                return FeedEscape(b);

            case State.EscapeIntermediate:
                return FeedEscapeIntermediate(b);

            default:
                return FeedControlSequence(b);
        }
    }

    private AnsiFeedResult FeedEscape(byte b)
    {
        if (b == (byte)'[')
        {
            _state = State.ControlSequence;
            _notSgr = false;
            _parameterIndex = 0;
            _parameters[0] = 0;
            return AnsiFeedResult.Consumed;
        }

        if (b == Escape)
        {
            return AnsiFeedResult.Consumed;
        }

        if (b < 0x20 || b >= 0x7F)
        {
            _state = State.Ground;
            return AnsiFeedResult.Text;
        }

        // ESC + intermediates + final, e.g. "ESC ( B" (designate character set): ECMA-48 5.3.
        // Any other byte ends a two-byte sequence such as "ESC c" or "ESC 7".
        _state = b <= 0x2F ? State.EscapeIntermediate : State.Ground;
        return AnsiFeedResult.Consumed;
    }

    private AnsiFeedResult FeedEscapeIntermediate(byte b)
    {
        if (b == Escape)
        {
            _state = State.Escape;
            return AnsiFeedResult.Consumed;
        }

        if (b < 0x20 || b >= 0x7F)
        {
            _state = State.Ground;
            return AnsiFeedResult.Text;
        }

        if (b > 0x2F)
        {
            _state = State.Ground;
        }

        return AnsiFeedResult.Consumed;
    }

    private AnsiFeedResult FeedControlSequence(byte b)
    {
        if (b >= (byte)'0' && b <= (byte)'9')
        {
            if (_parameterIndex < MaxParameters)
            {
                int value = _parameters[_parameterIndex] * 10 + (b - '0');
                _parameters[_parameterIndex] = (ushort)(value > MaxParameterValue ? MaxParameterValue : value);
            }

            return AnsiFeedResult.Consumed;
        }

        if (b == (byte)';')
        {
            _parameterIndex++;
            if (_parameterIndex < MaxParameters)
            {
                _parameters[_parameterIndex] = 0;
            }

            return AnsiFeedResult.Consumed;
        }

        if (b >= 0x20 && b <= 0x3F)
        {
            // ':' sub-parameters, private markers "<=>?" and intermediates: valid syntax, but
            // not the plain SGR this parser applies, so the sequence is swallowed whole.
            _notSgr = true;
            return AnsiFeedResult.Consumed;
        }

        if (b >= 0x40 && b <= 0x7E)
        {
            _state = State.Ground;
            if (b != (byte)'m' || _notSgr)
            {
                return AnsiFeedResult.Consumed;
            }

            ApplySgr();
            return AnsiFeedResult.AttributesChanged;
        }

        if (b == Escape)
        {
            _state = State.Escape;
            return AnsiFeedResult.Consumed;
        }

        if (b == 0x7F)
        {
            // DEL is ignored wherever it appears (ECMA-48 section 8.3.38).
            return AnsiFeedResult.Consumed;
        }

        _state = State.Ground;
        return AnsiFeedResult.Text;
    }

    private void ApplySgr()
    {
        int count = _parameterIndex < MaxParameters ? _parameterIndex + 1 : MaxParameters;
        for (int i = 0; i < count; i++)
        {
            int p = _parameters[i];
            if (p == 0)
            {
                ResetAttributes();
            }
            else if (p == 1)
            {
                _bold = true;
            }
            else if (p == 22)
            {
                _bold = false;
            }
            else if (p >= 30 && p <= 37)
            {
                _foreground = (byte)(p - 30 + 1);
            }
            else if (p == 39)
            {
                _foreground = 0;
            }
            else if (p >= 40 && p <= 47)
            {
                _background = (byte)(p - 40 + 1);
            }
            else if (p == 49)
            {
                _background = 0;
            }
            else if (p >= 90 && p <= 97)
            {
                _foreground = (byte)(p - 90 + 8 + 1);
            }
            else if (p >= 100 && p <= 107)
            {
                _background = (byte)(p - 100 + 8 + 1);
            }
            else if (p == 38 || p == 48)
            {
                // Extended colour: "38;5;n" (256-colour index) or "38;2;r;g;b" (direct colour).
                // Its arguments must be skipped even when unsupported, or "38;5;1" would read as
                // bold. Only n < 16 maps onto the 16-colour palette; anything else is ignored.
                if (i + 2 < count && _parameters[i + 1] == 5)
                {
                    int n = _parameters[i + 2];
                    if (n < 16)
                    {
                        if (p == 38)
                        {
                            _foreground = (byte)(n + 1);
                        }
                        else
                        {
                            _background = (byte)(n + 1);
                        }
                    }

                    i += 2;
                }
                else if (i + 1 < count && _parameters[i + 1] == 2)
                {
                    i += 4;
                }
                else
                {
                    return;
                }
            }
        }
    }

    private void ResetAttributes()
    {
        _foreground = 0;
        _background = 0;
        _bold = false;
    }
}

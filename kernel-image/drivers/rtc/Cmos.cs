using Aurora.Kernel.Hal;

namespace Aurora.Kernel.Drivers.Rtc;

/// <summary>
/// The PC's CMOS real-time clock (MC146818, ports 0x70/0x71): read once at boot for the wall
/// clock's starting point (CLOCK_REALTIME is that plus the monotonic time since). Registers:
/// seconds 0x00, minutes 0x02, hours 0x04, day 0x07, month 0x08, year 0x09, century 0x32
/// (ACPI FADT's usual offset; QEMU fills it), status A 0x0A (bit 7: update in progress) and
/// B 0x0B (bit 2: binary rather than BCD, bit 1: 24-hour). Read until two reads agree outside
/// an update, as Linux's mc146818_get_time does. The clock is taken as UTC (QEMU's default,
/// Linux's too unless told otherwise).
/// </summary>
internal static unsafe class Cmos
{
    private const ushort Index = 0x70, Data = 0x71;
    private const byte NmiDisable = 0x80;

    private static byte Read(byte register)
    {
        Io.Out8(Index, (byte)(NmiDisable | register));
        return Io.In8(Data);
    }

    private static bool UpdateInProgress => (Read(0x0A) & 0x80) != 0;

    /// <summary>Seconds since 1970-01-01 00:00:00 UTC that the clock shows now; 0 when it shows
    /// nothing sensible (no RTC, or a date before 1970).</summary>
    internal static long ReadUnixTime()
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        byte* a = stackalloc byte[7];
        byte* b = stackalloc byte[7];
        int tries = 0;
        do
        {
            for (int spin = 0; spin < 1_000_000 && UpdateInProgress; spin++) { }
            Snapshot(a);
            for (int spin = 0; spin < 1_000_000 && UpdateInProgress; spin++) { }
            Snapshot(b);
        } while (!Same(a, b) && ++tries < 10);

        byte status = Read(0x0B);
        Cpu.RestoreInterrupts(interrupts);

        bool binary = (status & 0x04) != 0, twentyFourHour = (status & 0x02) != 0;
        long second = Value(a[0], binary), minute = Value(a[1], binary), day = Value(a[3], binary),
            month = Value(a[4], binary), year = Value(a[5], binary), century = Value(a[6], binary);
        bool pm = (a[2] & 0x80) != 0;
        long hour = Value((byte)(a[2] & 0x7F), binary);
        if (!twentyFourHour) hour = (hour % 12) + (pm ? 12 : 0);
        year += century >= 19 && century <= 30 ? century * 100 : (year < 70 ? 2000 : 1900);
        if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60 || year < 1970)
            return 0;
        return DaysSinceEpoch(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
    }

    private static unsafe void Snapshot(byte* r)
    {
        r[0] = Read(0x00); r[1] = Read(0x02); r[2] = Read(0x04); r[3] = Read(0x07);
        r[4] = Read(0x08); r[5] = Read(0x09); r[6] = Read(0x32);
    }

    private static unsafe bool Same(byte* a, byte* b)
    {
        for (int i = 0; i < 7; i++) if (a[i] != b[i]) return false;
        return true;
    }

    private static long Value(byte raw, bool binary) => binary ? raw : (raw & 0x0F) + ((raw >> 4) * 10);

    /// <summary>Days from 1970-01-01 to the date (proleptic Gregorian; Howard Hinnant's
    /// days_from_civil).</summary>
    internal static long DaysSinceEpoch(long year, long month, long day)
    {
        year -= month <= 2 ? 1 : 0;
        long era = (year >= 0 ? year : year - 399) / 400;
        long yearOfEra = year - era * 400;
        long dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        long dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        return era * 146097 + dayOfEra - 719468;
    }
}

using System.Runtime.CompilerServices;

namespace Internal.Runtime;

/// <summary>
/// Brings the compiled module's statics to life before any C# that touches them runs: the
/// compiler leaves a ReadyToRun-style header for each module in the <c>__modules</c> section.
/// GC statics (statics of reference type, section 201) get their holder object allocated (and
/// filled with preinitialised data where the compiler computed it); eager class constructors
/// (section 205) run in order.
/// </summary>
public static unsafe class ModuleInitializer
{
    private const uint ReadyToRunSignature = 0x00525452; // "RTR"
    private const int GCStaticRegion = 201;
    private const int EagerClassConstructors = 205;
    private const int DehydratedData = 207;

    private struct ReadyToRunHeader
    {
        public uint Signature;
        public ushort MajorVersion;
        public ushort MinorVersion;
        public uint Flags;
        public ushort NumberOfSections;
        public byte EntrySize;
        public byte EntryType;
    }

    private struct ModuleInfoRow
    {
        public int SectionId;
        public int Flags;
        public byte* Start;
        public byte* End;
    }

    /// <summary>Initialises every module listed between the two bounds of the
    /// <c>__modules</c> section. Needs <see cref="RuntimeHost.Allocate"/> to be set.</summary>
    public static void InitializeModules(void** modulesStart, void** modulesEnd)
    {
        for (void** entry = modulesStart; entry < modulesEnd; entry++)
        {
            var header = (ReadyToRunHeader*)*entry;
            if (header == null) continue;
            if (header->Signature != ReadyToRunSignature)
                RuntimeHost.Fail("module header has a bad signature");
            if (FindSection(header, DehydratedData, out _, out _))
                RuntimeHost.Fail("module has dehydrated data; build with IlcDehydrate=false");
            if (FindSection(header, GCStaticRegion, out byte* start, out byte* end))
                InitializeGCStatics(start, end);
            if (FindSection(header, EagerClassConstructors, out start, out end))
                for (byte* p = start; p < end; p += 4)
                    ((delegate*<void>)MethodTable.FollowRelativePointer((int*)p))();
        }
    }

    private static bool FindSection(ReadyToRunHeader* header, int id, out byte* start, out byte* end)
    {
        byte* row = (byte*)(header + 1);
        for (int i = 0; i < header->NumberOfSections; i++, row += header->EntrySize)
        {
            var info = (ModuleInfoRow*)row;
            if (info->SectionId == id)
            {
                start = info->Start;
                end = info->End;
                return true;
            }
        }
        start = end = null;
        return false;
    }

    // Each region entry is a relative pointer to a static-base slot. The slot initially holds a
    // relative pointer to the holder type's MethodTable with flag 1 (not yet allocated) and
    // flag 2 (a second relative pointer follows, to preinitialised field data).
    private static void InitializeGCStatics(byte* start, byte* end)
    {
        for (byte* p = start; p < end; p += 4)
        {
            byte* slot = MethodTable.FollowRelativePointer((int*)p);
            nint encoded = (nint)MethodTable.FollowRelativePointer((int*)slot);
            if ((encoded & 1) == 0) continue;
            var type = (MethodTable*)(encoded & ~(nint)3);
            object holder = NativeEntryPoints.AllocateObject(type, type->BaseSize);
            byte* holderAddress = *(byte**)Unsafe.AsPointer(ref holder);
            if ((encoded & 2) != 0)
            {
                byte* data = MethodTable.FollowRelativePointer((int*)(slot + 4));
                NativeEntryPoints.Memmove(holderAddress + 8, data, type->BaseSize - 16);
            }
            *(byte**)slot = holderAddress;
        }
    }
}

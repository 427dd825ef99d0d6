using System;
using System.Runtime.InteropServices;
using System.Runtime.InteropServices.JavaScript;
using Aurora.Sched;

namespace Aurora.Wasm.Playground;

/// <summary>
/// The scheduler run as the kernel drives it: a 1000 Hz timer charges the current entity one
/// millisecond per tick and switches when Tick says so. The page chooses the nice values and
/// polls each entity's share of the processor against its weight's share.
/// </summary>
public static unsafe partial class SchedExports
{
    private const ulong TickNs = 1_000_000;
    private static RunQueue s_queue;
    private static SchedEntity* s_entities;
    private static RunQueueSlot* s_slots;
    private static int s_count;
    private static ulong s_ticks;

    /// <summary>Starts a queue with one entity per nice value ("0,5,-5"); answers an error text or "".</summary>
    [JSExport]
    public static string Start(string nices)
    {
        Stop();
        string[] words = nices.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length is < 1 or > 16) return "give 1 to 16 nice values, separated by commas";
        var values = new int[words.Length];
        for (int i = 0; i < words.Length; i++)
        {
            if (!int.TryParse(words[i], System.Globalization.CultureInfo.InvariantCulture, out values[i]) || values[i] < NiceWeights.MinNice || values[i] > NiceWeights.MaxNice)
                return $"'{words[i]}' is not a nice value from {NiceWeights.MinNice} to {NiceWeights.MaxNice}";
        }
        s_queue = new RunQueue();
        s_entities = (SchedEntity*)NativeMemory.AllocZeroed((nuint)values.Length, (nuint)sizeof(SchedEntity));
        s_slots = (RunQueueSlot*)NativeMemory.Alloc(RunQueue.StorageBytes(values.Length));
        s_queue.SetStorage(s_slots, values.Length, out _);
        s_count = values.Length;
        for (int i = 0; i < values.Length; i++)
        {
            SchedError error = s_entities[i].Initialize((ulong)i, values[i]);
            if (error == SchedError.None) s_queue.SetNice(&s_entities[i], values[i]);
            if (error == SchedError.None) error = s_queue.Add(&s_entities[i], waking: false);
            if (error != SchedError.None) return $"entity {i}: {error}";
        }
        s_queue.PickNext(false);
        return "";
    }

    /// <summary>Runs <paramref name="ticks"/> more milliseconds; answers each entity's share so far and its due share.</summary>
    [JSExport]
    public static string Run(int ticks)
    {
        if (s_entities == null) return "{\"error\":\"not started\"}";
        for (int t = 0; t < Math.Clamp(ticks, 0, 1_000_000); t++, s_ticks++)
        {
            if (s_queue.Tick(TickNs)) s_queue.PickNext(true);
        }
        var json = new Json().Open('{').Number("ms", s_ticks).Bool("valid", s_queue.Validate()).Open('[', "entities");
        double total = s_queue.TotalWeight;
        for (int i = 0; i < s_count; i++)
        {
            SchedEntity* e = &s_entities[i];
            json.Open('{').Number("weight", e->Weight)
                .Number("share", s_ticks == 0 ? 0 : e->TotalRuntimeNs / (s_ticks * (double)TickNs))
                .Number("due", e->Weight / total).Close('}');
        }
        return json.Close(']').Close('}').ToString();
    }

    private static void Stop()
    {
        if (s_entities != null) NativeMemory.Free(s_entities);
        if (s_slots != null) NativeMemory.Free(s_slots);
        s_entities = null;
        s_slots = null;
        s_count = 0;
        s_ticks = 0;
    }
}

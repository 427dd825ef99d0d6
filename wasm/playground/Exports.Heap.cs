using System;
using System.Collections.Generic;
using System.Runtime.InteropServices.JavaScript;
using Aurora.Heap;

namespace Aurora.Wasm.Playground;

/// <summary>
/// The kernel heap under a random workload (small and large blocks, allocated and freed). Each
/// step answers what the page draws: every page run the heap took from its page source, and
/// where in those runs the live blocks lie, plus the slab classes' own statistics.
/// </summary>
public static unsafe partial class HeapExports
{
    private static PageRuns? s_runs;
    private static KernelHeap<WasmPageSource> s_heap;
    private static readonly List<(nint Address, nuint Size)> s_live = new();
    private static Random s_random = new(1);

    [JSExport]
    public static void Start(int seed)
    {
        Stop();
        s_runs = new PageRuns();
        s_heap = new KernelHeap<WasmPageSource>(new WasmPageSource(s_runs), debug: false);
        s_random = new Random(seed);
    }

    /// <summary><paramref name="operations"/> random allocations and frees; <paramref name="target"/> is the live-block count it drifts toward.</summary>
    [JSExport]
    public static string Step(int operations, int target)
    {
        if (s_runs == null) return "{\"error\":\"not started\"}";
        int failed = 0;
        for (int i = 0; i < Math.Clamp(operations, 0, 100_000); i++)
        {
            bool allocate = s_live.Count == 0 || s_random.Next(2 * Math.Max(1, target)) >= s_live.Count;
            if (allocate)
            {
                // Mostly slab sizes (up to 256 bytes), a fifth large blocks up to 24 KiB.
                nuint size = s_random.Next(5) == 0 ? (nuint)s_random.Next(257, 24 * 1024) : (nuint)s_random.Next(1, 257);
                void* p = s_heap.Allocate(size);
                if (p == null) { failed++; continue; }
                s_live.Add(((nint)p, s_heap.UsableSize(p)));
            }
            else
            {
                int k = s_random.Next(s_live.Count);
                HeapFault fault = s_heap.Free((void*)s_live[k].Address);
                if (fault.IsError) return $"{{\"error\":\"free: {fault.Description}\"}}";
                s_live[k] = s_live[^1];
                s_live.RemoveAt(s_live.Count - 1);
            }
        }
        return Snapshot(failed);
    }

    [JSExport]
    public static string Stop()
    {
        if (s_runs == null) return "";
        foreach ((nint address, _) in s_live) s_heap.Free((void*)address);
        s_live.Clear();
        s_heap.Trim();
        string left = s_runs.Runs.Count == 0 ? "" : $"{s_runs.Runs.Count} page runs still held after every block was freed and the heap trimmed";
        s_runs = null;
        return left;
    }

    private static string Snapshot(int failed)
    {
        HeapStatistics stats = s_heap.Statistics;
        var json = new Json().Open('{')
            .Number("live", s_live.Count).Number("bytesInUse", stats.BytesInUse).Number("bytesFromPages", stats.BytesFromPageSource)
            .Number("arenas", stats.Arenas).Number("failed", failed).Bool("valid", s_heap.Validate());
        json.Open('[', "classes");
        for (int c = 0; c < HeapGeometry.SlabClassCount; c++)
        {
            SlabClassStatistics s = s_heap.GetSlabClassStatistics(c);
            json.Open('{').Number("size", s.ObjectSize).Number("perPage", s.ObjectsPerPage).Number("pages", s.Pages)
                .Number("empty", s.EmptyPages).Number("live", s.LiveObjects).Close('}');
        }
        json.Close(']').Open('[', "runs");
        foreach (KeyValuePair<ulong, ulong> run in s_runs!.Runs)
        {
            json.Open('[').Number(null, run.Key).Number(null, run.Value).Close(']');
        }
        // Live blocks as [address, usable size]; at most 4000, which is more than the page draws.
        json.Close(']').Open('[', "blocks");
        for (int i = 0; i < Math.Min(s_live.Count, 4000); i++)
        {
            json.Open('[').Number(null, s_live[i].Address).Number(null, s_live[i].Size).Close(']');
        }
        return json.Close(']').Close('}').ToString();
    }
}

using BenchmarkDotNet.Attributes;

namespace Aurora.Heap.Benchmarks;

/// <summary>
/// A batch of 256 small allocations of eight sizes (8 to 256 bytes, so every slab class), then
/// all freed, odd slots first and then even ones, so consecutive frees land in different pages.
/// Less kind to per-page caches than one allocation immediately freed. Times are per
/// allocation + free.
/// </summary>
public unsafe class MixedBatchBenchmarks
{
    private const int Batch = 256;
    private static readonly nuint[] Sizes = [16, 48, 100, 200, 24, 64, 256, 8];

    private readonly void*[] _blocks = new void*[Batch];
    private KernelHeap<NativePages> _heap;

    [GlobalSetup]
    public void Setup()
    {
        _heap = new KernelHeap<NativePages>(default, debug: false);
        AuroraBatch();
        GlibcBatch();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch, Description = "glibc malloc+free, mixed batch")]
    public void GlibcBatch()
    {
        for (int i = 0; i < Batch; i++)
        {
            _blocks[i] = Glibc.malloc(Sizes[i & 7]);
        }

        for (int i = Batch - 1; i >= 0; i -= 2)
        {
            Glibc.free(_blocks[i]);
        }

        for (int i = Batch - 2; i >= 0; i -= 2)
        {
            Glibc.free(_blocks[i]);
        }
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "Aurora.Heap Allocate+Free, mixed batch")]
    public void AuroraBatch()
    {
        for (int i = 0; i < Batch; i++)
        {
            _blocks[i] = _heap.Allocate(Sizes[i & 7]);
        }

        for (int i = Batch - 1; i >= 0; i -= 2)
        {
            _heap.Free(_blocks[i]);
        }

        for (int i = Batch - 2; i >= 0; i -= 2)
        {
            _heap.Free(_blocks[i]);
        }
    }
}

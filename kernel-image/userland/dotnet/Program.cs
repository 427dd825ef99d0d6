// The C# program of issue 12: what an ordinary .NET program does, on Aurora as on Linux.
// Every line it prints is deterministic, so the test compares Aurora's output with the host's.
using System.Text;

static class Program
{
    static int Main(string[] args)
    {
        string dir = args.Length > 0 ? args[0] : Path.GetTempPath();
        var lines = new List<string>();

        // 1. The garbage collector: about 400 MB allocated in short-lived objects, with a
        //    long-lived list that survives the collections.
        int before = GC.CollectionCount(0);
        var survivors = new List<byte[]>();
        long sum = 0;
        for (int i = 0; i < 200_000; i++)
        {
            var block = new byte[2048];
            block[i % 2048] = (byte)i;
            sum += block[i % 2048];
            if (i % 1000 == 0) survivors.Add(block);
        }
        int collections = GC.CollectionCount(0) - before;
        lines.Add($"gc: sum {sum}, {survivors.Count} survivors, collected: {(collections >= 10 ? "many times" : "only " + collections)}");

        // 2. Exceptions: thrown, caught, filtered, finally blocks run, through several frames.
        int caught = 0, finallies = 0;
        for (int i = 0; i < 1000; i++)
        {
            try { Thrower(i, ref finallies); }
            catch (InvalidOperationException e) when (e.Message.StartsWith("even")) { caught++; }
            catch (ArgumentException) { caught += 2; }
        }
        lines.Add($"exceptions: {caught} caught, {finallies} finally blocks");
        try { checked { int big = int.MaxValue; big += args.Length + 1; } }
        catch (OverflowException) { lines.Add("exceptions: overflow caught"); }
        try { object? o = args.Length > 100 ? "x" : null; _ = o!.ToString(); }
        catch (NullReferenceException) { lines.Add("exceptions: null reference caught"); }

        // 3. Threads: Parallel.For, tasks, a lock and Interlocked.
        long parallelSum = 0;
        Parallel.For(0, 10_000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => Interlocked.Add(ref parallelSum, (long)i * i));
        var tasks = Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            long local = 0;
            for (int i = 0; i < 100_000; i++) local += (i ^ t) & 7;
            return local;
        })).ToArray();
        Task.WaitAll(tasks);
        object gate = new();
        int counter = 0;
        var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() => { for (int i = 0; i < 10_000; i++) lock (gate) counter++; })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        lines.Add($"threads: parallel {parallelSum}, tasks {tasks.Sum(t => t.Result)}, locked counter {counter}");

        // 4. Collections and LINQ.
        var words = new Dictionary<string, int>();
        var random = new Random(12345);
        for (int i = 0; i < 50_000; i++)
        {
            string word = "w" + random.Next(0, 5000);
            words[word] = words.TryGetValue(word, out int n) ? n + 1 : 1;
        }
        var top = words.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Take(3).Select(p => $"{p.Key}={p.Value}");
        lines.Add($"linq: {words.Count} words, top {string.Join(" ", top)}, evens {words.Values.Count(v => v % 2 == 0)}");

        // 5. Files: write, append, read back, list, delete.
        string path = Path.Combine(dir, "dotnet-sample.txt");
        File.WriteAllText(path, "first line\n");
        File.AppendAllLines(path, Enumerable.Range(1, 100).Select(i => $"line {i}"));
        string[] back = File.ReadAllLines(path);
        long bytes = new FileInfo(path).Length;
        bool listed = Directory.GetFiles(dir, "dotnet-sample*").Length == 1;
        File.Delete(path);
        lines.Add($"files: {back.Length} lines, {bytes} bytes, listed {listed}, deleted {!File.Exists(path)}");

        // The checksum of everything above (FNV-1a over the lines).
        uint hash = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(string.Join("\n", lines)))
            hash = (hash ^ b) * 16777619;
        foreach (string line in lines) Console.WriteLine(line);
        Console.WriteLine($"checksum: {hash:x8}");
        return 0;
    }

    static void Thrower(int i, ref int finallies)
    {
        try
        {
            if (i % 3 == 0) throw new ArgumentException("multiple of three");
            if (i % 2 == 0) throw new InvalidOperationException("even " + i);
        }
        finally { finallies++; }
    }
}

namespace LogAggregator.Benchmarks;

public static class Threads
{
    public static void Print(BenchServer server) =>
        Console.WriteLine("  busiest server threads (CPU s): "
            + string.Join(", ", server.BusiestThreads(6).Select(t => $"{t.Thread} {t.CpuSeconds:0.0}")));
}

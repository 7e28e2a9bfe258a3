namespace LogAggregator.Benchmarks;

public static class Poll
{
    /// <summary>How long total_logs may stand still before the run is declared stalled.</summary>
    private static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(60);

    /// <summary>Polls /api/stats every 100 ms; returns the last count seen (the expected one unless it stalled).</summary>
    public static async Task<long> UntilStoredAsync(BenchServer server, long expected)
    {
        long last = -1;
        var lastChange = DateTime.UtcNow;
        while (true)
        {
            var total = await server.TotalLogsAsync();
            if (total >= expected)
            {
                return total;
            }

            if (total != last)
            {
                last = total;
                lastChange = DateTime.UtcNow;
            }
            else if (DateTime.UtcNow - lastChange > StallLimit)
            {
                return total;
            }

            await Task.Delay(100);
        }
    }
}

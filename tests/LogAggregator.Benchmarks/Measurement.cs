namespace LogAggregator.Benchmarks;

/// <summary>
/// One timed run. Rates are on lines (what a log shipper counts), entries are what the store holds. Runs of one
/// <paramref name="Store"/> (null: the embedded one) are compared with that store's bare load.
/// </summary>
public sealed record Measurement(
    string Name, int Lines, int Entries, TimeSpan Elapsed, double? PeakRssMiB = null, double? ServerCpuSeconds = null, string? Note = null,
    double? StoreCpuSeconds = null, string? Store = null)
{
    public double LinesPerSecond => Lines / Elapsed.TotalSeconds;

    /// <summary>Cores the server kept busy on average: above ~1.6 of 2 it is CPU-bound.</summary>
    public double? ServerCores => ServerCpuSeconds / Elapsed.TotalSeconds;
}

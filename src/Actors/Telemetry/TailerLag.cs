using System.Collections.Concurrent;

namespace LogAggregator.Telemetry;

/// <summary>
/// Unread bytes of every tailer on this node. Each tailer owns a <see cref="Gauge"/> it overwrites from its
/// own thread; the metrics exporter sums them from another, so the values are read and written atomically
/// and the set of gauges is a concurrent one.
/// </summary>
public static class TailerLag
{
    private static readonly ConcurrentDictionary<Gauge, byte> Gauges = new();

    public static long TotalBytes => Gauges.Keys.Sum(g => g.Bytes);

    /// <summary>A gauge counted in the total until it is disposed (the tailer stopped or restarted).</summary>
    public static Gauge Register()
    {
        var gauge = new Gauge();
        Gauges.TryAdd(gauge, 0);
        return gauge;
    }

    public sealed class Gauge : IDisposable
    {
        private long _bytes;

        internal Gauge()
        {
        }

        public long Bytes => Interlocked.Read(ref _bytes);

        public void Set(long bytes) => Interlocked.Exchange(ref _bytes, Math.Max(0, bytes));

        public void Dispose() => Gauges.TryRemove(this, out _);
    }
}

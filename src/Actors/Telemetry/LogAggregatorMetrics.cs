using System.Diagnostics;
using System.Diagnostics.Metrics;
using LogAggregator.Model;

namespace LogAggregator.Telemetry;

/// <summary>
/// The one <see cref="Meter"/> of the server. The host exports it (OpenTelemetry's Prometheus exporter on
/// /metrics); the actors only record into it, so src/Actors needs nothing beyond the BCL.
/// </summary>
public static class LogAggregatorMetrics
{
    public const string MeterName = "LogAggregator";

    /// <summary>Seconds: from a millisecond commit to a slow scan, the default buckets (made for ms) would lump them all.</summary>
    private static readonly IReadOnlyList<double> SecondsBuckets =
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    public static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> IngestedEntries = Meter.CreateCounter<long>(
        "logaggregator_ingested_entries", unit: null, "Entries committed to the log store, by source kind (file|http|otlp|seq|loki|syslog) and level");

    public static readonly Histogram<double> StoreBatchDuration = Meter.CreateHistogram(
        "logaggregator_store_batch_duration", "s", "Time from handing a batch to the log store to its commit",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

    public static readonly Histogram<double> QueryDuration = Meter.CreateHistogram(
        "logaggregator_query_duration", "s", "Time the log store took to answer a read, by query kind",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

    /// <summary>
    /// Counts alerts entering each delivery state: every alert raised counts once under <c>pending</c> (so
    /// <c>sum by (level) (logaggregator_alerts_total{state="pending"})</c> is the alerts raised), then once under
    /// <c>delivered</c> or <c>silenced</c>, and once under <c>failed</c> if a delivery round ever failed for it.
    /// </summary>
    public static readonly Counter<long> Alerts = Meter.CreateCounter<long>(
        "logaggregator_alerts", unit: null, "Alerts entering each delivery state (pending = raised), by level");

    /// <summary>The alert states of the contract's <c>delivery.state</c>.</summary>
    public static readonly IReadOnlyList<string> AlertStates = ["pending", "delivered", "failed", "silenced"];

    private static int _alertOutboxDepth;

    static LogAggregatorMetrics()
    {
        Meter.CreateObservableGauge("logaggregator_tailer_lag_bytes", () => TailerLag.TotalBytes, "By",
            "Bytes written to tailed files and not read yet, summed over this node's tailers");
        Meter.CreateObservableGauge("logaggregator_alert_outbox_depth", () => Volatile.Read(ref _alertOutboxDepth), unit: null,
            "Alerts waiting in the notifier's outbox (on the node running the notifier singleton)");
    }

    public static void SetAlertOutboxDepth(int depth) => Volatile.Write(ref _alertOutboxDepth, depth);

    public static void RecordIngested(SourceKind kind, Level level, long count) =>
        IngestedEntries.Add(count, new TagList { { "source_kind", kind.Name() }, { "level", level.Name() } });

    public static void RecordStoreBatch(TimeSpan elapsed) => StoreBatchDuration.Record(elapsed.TotalSeconds);

    public static void RecordQuery(string kind, TimeSpan elapsed) =>
        QueryDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("kind", kind));

    public static void RecordAlert(Level level, string state) =>
        Alerts.Add(1, new TagList { { "level", level.Name() }, { "state", state } });

    /// <summary>
    /// A counter nobody incremented has no series, and a scraper cannot tell "no alerts" from "not exported".
    /// Called once a listener (the exporter) is attached: a measurement before that is dropped.
    /// </summary>
    public static void DeclareAlertSeries()
    {
        foreach (var level in Levels.All.Where(l => l >= Level.Warning))
        {
            foreach (var state in AlertStates)
            {
                Alerts.Add(0, new TagList { { "level", level.Name() }, { "state", state } });
            }
        }
    }

    /// <summary>Times an asynchronous read and records it under <paramref name="kind"/>, failed or not.</summary>
    public static async Task<T> TimeQuery<T>(string kind, Task<T> query)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await query.ConfigureAwait(false);
        }
        finally
        {
            RecordQuery(kind, Stopwatch.GetElapsedTime(started));
        }
    }
}

/// <summary>
/// Where a batch came from: a tailed file (it carries a source mark), POST /api/logs, or one of the ecosystem's
/// protocols (OTLP/HTTP, Seq's raw ingestion, Loki's push API, syslog).
/// </summary>
public enum SourceKind
{
    File,
    Http,
    Otlp,
    Seq,
    Loki,
    Syslog,
}

public static class SourceKinds
{
    public static string Name(this SourceKind kind) => kind switch
    {
        SourceKind.File => "file",
        SourceKind.Otlp => "otlp",
        SourceKind.Seq => "seq",
        SourceKind.Loki => "loki",
        SourceKind.Syslog => "syslog",
        _ => "http",
    };
}

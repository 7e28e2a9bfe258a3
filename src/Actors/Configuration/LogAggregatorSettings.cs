using LogAggregator.Storage.DuckDb;

namespace LogAggregator.Configuration;

public enum DatabaseProvider
{
    Embedded,
    PostgreSql,
}

/// <summary>Everything a node needs to know, read once at start from the layered HOCON.</summary>
public sealed record LogAggregatorSettings
{
    public required string HermesUrl { get; init; }
    public required IReadOnlyList<string> LogSources { get; init; }
    /// <summary>Absolute.</summary>
    public required string AggregatedDir { get; init; }
    public required int RetentionDays { get; init; }
    public required TimeSpan CollectInterval { get; init; }
    public required TimeSpan RetentionInterval { get; init; }
    public required string AkkaHostname { get; init; }
    public required int AkkaPort { get; init; }
    public required IReadOnlyList<string> SeedNodes { get; init; }
    public required DatabaseProvider DatabaseProvider { get; init; }
    public required string DatabaseConnection { get; init; }
    public required HttpSettings Http { get; init; }
    public required IngestionSettings Ingestion { get; init; }
    public required DuckDbSettings DuckDb { get; init; }
    public required AlertingSettings Alerting { get; init; }
    public ProtocolSettings Protocols { get; init; } = ProtocolSettings.Default;
    public PostgresSettings Postgres { get; init; } = PostgresSettings.Default;
    public ClusterSettings Cluster { get; init; } = ClusterSettings.Default;

    public SecuritySettings Security { get; init; } = SecuritySettings.Open;

    public string StateDatabasePath => Path.Combine(AggregatedDir, "state.db");
}

/// <param name="TailHeartbeat">How often a live-tail stream gets a comment line, so proxies and clients see it alive.</param>
/// <param name="ExportMaxEntries">The most entries one <c>GET /api/logs/export</c> writes (HOCON <c>http.export-max-entries</c>).</param>
public sealed record HttpSettings(
    long MaxBodySize,
    TimeSpan AskTimeout,
    TimeSpan TailHeartbeat,
    int ExportMaxEntries = HttpSettings.DefaultExportMaxEntries,
    long MaxIngestInFlight = HttpSettings.DefaultMaxIngestInFlight,
    int MaxConcurrentSearches = HttpSettings.DefaultMaxConcurrentSearches,
    TimeSpan MaxSearchRange = default,
    RateLimitSettings? RateLimit = null)
{
    public RateLimitSettings Limits => RateLimit ?? RateLimitSettings.Off;

    public const int DefaultMaxConcurrentSearches = 4;
    public const int DefaultExportMaxEntries = 100_000;
    public const long DefaultMaxIngestInFlight = 64L << 20;
}

/// <param name="MaxAgentLength">Longer agent names are refused over HTTP and cut from files.</param>
/// <param name="MaxAgentsPerDay">
/// Distinct agents written per UTC day of arrival (HOCON <c>log-aggregator.storage.max-agents-per-day</c>): HTTP
/// refuses new ones beyond it, tailers store their lines under the file's own agent.
/// </param>
public sealed record IngestionSettings(
    int BatchSize,
    int MaxInFlight,
    int ReadChunk,
    TimeSpan PollInterval,
    TimeSpan IdleFlush,
    TimeSpan MultiLineWait,
    int MaxAgentLength = IngestionSettings.DefaultMaxAgentLength,
    int MaxAgentsPerDay = IngestionSettings.DefaultMaxAgentsPerDay,
    int MaxLineBytes = IngestionSettings.DefaultMaxLineBytes,
    TimeSpan? IdlePollMax = null,
    TimeSpan? RotateWait = null)
{
    /// <summary>
    /// A JSON line of a megabyte of text written with escapes (<c>\u0000</c> is 6 bytes, a surrogate pair as two
    /// escapes 12 bytes per character) still fits whole, so it parses as JSON before its message is cut.
    /// </summary>
    public const int DefaultMaxLineBytes = 12 << 20;

    /// <summary>The longest wait between two polls of an idle file (HOCON <c>ingestion.idle-poll-max</c>); unset: no back-off.</summary>
    public TimeSpan PollBackoffMax => IdlePollMax is { } max && max > PollInterval ? max : PollInterval;

    /// <summary>How long a file out of LOG_SOURCES or deleted is still read once idle (HOCON <c>ingestion.rotate-wait</c>); unset: the idle flush.</summary>
    public TimeSpan FinishAfter => RotateWait ?? IdleFlush;

    public const int DefaultMaxAgentLength = 256;
    public const int DefaultMaxAgentsPerDay = 10_000;
    public const string MaxAgentsPerDaySetting = "log-aggregator.storage.max-agents-per-day";
}

public sealed record DuckDbSettings(
    string MemoryLimit, int Threads, string CheckpointThreshold = DuckDbLogStoreOptions.DefaultCheckpointThreshold);

/// <param name="SearchTimeout">The longest one regex search may run on PostgreSQL before the server cancels it.</param>
public sealed record PostgresSettings(TimeSpan SearchTimeout)
{
    public static readonly PostgresSettings Default = new(TimeSpan.FromSeconds(30));
}

/// <param name="SeqAgentProperty">The CLEF property naming an event's agent (then <c>SourceContext</c>, then <c>unknown</c>).</param>
/// <param name="SyslogTcpPort">0 = no TCP syslog listener.</param>
/// <param name="SyslogUdpPort">0 = no UDP syslog listener.</param>
/// <param name="SyslogHost">The address the syslog listeners bind.</param>
/// <param name="SyslogBatchSize">Messages of one connection committed together at most.</param>
public sealed record ProtocolSettings(
    string SeqAgentProperty, int SyslogTcpPort, int SyslogUdpPort, string SyslogHost, int SyslogBatchSize)
{
    public static readonly ProtocolSettings Default = new("Application", 0, 0, "0.0.0.0", 1000);
}

/// <summary>Requests a second per client (API key, else address) with a burst; 0 requests a second = off.</summary>
public sealed record RateLimitSettings(int RequestsPerSecond, int Burst)
{
    public static readonly RateLimitSettings Off = new(0, 1);

    public bool Enabled => RequestsPerSecond > 0;
}

/// <param name="Shards">
/// Shards of each sharded region (agent stores, alert thresholds), HOCON <c>log-aggregator.cluster.shards</c>: the
/// unit the cluster moves between nodes. Every node of a cluster must use the same count, and it never changes while
/// any node runs (docs/OPERATIONS.md).
/// </param>
public sealed record ClusterSettings(int Shards)
{
    public const int DefaultShards = 100;

    public static readonly ClusterSettings Default = new(DefaultShards);
}

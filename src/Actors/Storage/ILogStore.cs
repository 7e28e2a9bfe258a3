using LogAggregator.Model;

namespace LogAggregator.Storage;

/// <summary>
/// Where entries live. The actors only see this interface, which speaks of entries, marks and arrival days
/// (the UTC day an entry was stored on, the unit retention deletes); each implementation decides how a day is
/// kept. Every behaviour here is stated as a test in the store contract suite (tests/…/Storage/Contract), which
/// each implementation runs.
/// </summary>
public interface ILogStore : IAsyncDisposable
{
    /// <summary>
    /// Appends the entries and the source marks in one transaction and completes only once it is committed
    /// (durable). Returns the ids given to the entries, in order. Concurrent calls are group-committed.
    /// Every timestamp .NET can hold is stored, floored to the microsecond; text is stored exactly (NUL included).
    /// </summary>
    Task<IReadOnlyList<string>> AppendAsync(
        IReadOnlyList<LogEntry> entries, IReadOnlyList<SourceMark> marks, CancellationToken cancellationToken = default);

    /// <summary>
    /// Bounds the distinct agents written per UTC day of arrival: of these agent keys, every one already written
    /// or admitted today is admitted, and new ones while fewer than <paramref name="maxAgentsPerDay"/> are;
    /// admitting counts a key for the day even before anything of it is committed. Returns the keys refused, in
    /// the order given (empty when all may be written). Thread-safe; appending does not check it.
    /// </summary>
    Task<IReadOnlyList<string>> AdmitAgentsAsync(
        IReadOnlyCollection<string> agentKeys, int maxAgentsPerDay, CancellationToken cancellationToken = default);

    /// <summary>The highest committed mark of every agent for one tailed source.</summary>
    Task<IReadOnlyList<SourceMark>> GetMarksAsync(string sourceKey, CancellationToken cancellationToken = default);

    /// <summary>Entries matching the filter, newest first (timestamp, then id), with the total that match.</summary>
    Task<LogPage> QueryAsync(LogFilter filter, Paging paging, CancellationToken cancellationToken = default);

    /// <summary>
    /// Entries whose message or metadata match the pattern (case-insensitive, linear time), newest first
    /// (timestamp, then id) as <see cref="QueryAsync"/>. Stops scanning once no more entries can enter the page.
    /// </summary>
    Task<IReadOnlyList<StoredEntry>> SearchAsync(
        SearchPattern pattern, LogFilter filter, Paging paging, CancellationToken cancellationToken = default);

    Task<StoredEntry?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <paramref name="before"/> entries before and <paramref name="after"/> entries after the one with this
    /// id, from the same source and agent, in arrival order across days; null when the id names no entry.
    /// </summary>
    Task<LogContext?> GetContextAsync(string id, int before, int after, CancellationToken cancellationToken = default);

    /// <summary>
    /// Counts of the entries matching the filter per interval, split by level; non-empty buckets, oldest first.
    /// Without <see cref="LogFilter.From"/> the range is the newest <see cref="Histogram.MaxBuckets"/> buckets ending
    /// with the one holding the filter's end (or the newest entry). Throws <see cref="HistogramTooWideException"/> when
    /// an explicit range (narrowed to the stored entries') spans more than <see cref="Histogram.MaxBuckets"/> buckets.
    /// </summary>
    Task<Histogram> HistogramAsync(LogFilter filter, HistogramInterval interval, CancellationToken cancellationToken = default);

    /// <summary>
    /// ERROR, CRITICAL and FATAL entries with <paramref name="from"/> &lt;= timestamp &lt; <paramref name="to"/>:
    /// the total, per agent, and the <paramref name="top"/> most frequent <see cref="MessagePatterns"/> patterns.
    /// </summary>
    Task<ErrorSummary> ErrorSummaryAsync(DateTime from, DateTime to, int top, CancellationToken cancellationToken = default);

    /// <summary>
    /// How many entries match the filter, per agent (as sent) and level; only counts above zero, in no order. Past days
    /// the range covers whole are answered from what the store keeps counted, without a scan.
    /// </summary>
    Task<IReadOnlyList<AgentLevelCount>> CountAsync(LogFilter filter, CancellationToken cancellationToken = default);

    /// <summary>Distinct agent names as sent, sorted ordinally.</summary>
    Task<IReadOnlyList<string>> GetAgentsAsync(CancellationToken cancellationToken = default);

    /// <summary>Totals per level, per agent (as sent) and per arrival day.</summary>
    Task<StoreStats> GetStatsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes every entry that arrived on a day before <paramref name="oldestKept"/>, whole days at a time, but
    /// never the day being written (today); returns the days deleted, oldest first.
    /// </summary>
    Task<IReadOnlyList<DateOnly>> DeleteDaysBeforeAsync(DateOnly oldestKept, CancellationToken cancellationToken = default);

    /// <summary>
    /// Whether appends succeed now. After an append failed for a reason of the store's own (a full or failing disk,
    /// a lost database), degraded with that reason until an append succeeds again; while degraded, each call tries a
    /// small write itself, so the store reports healthy again once writes succeed even if nobody appends.
    /// </summary>
    Task<StoreHealth> CheckHealthAsync(CancellationToken cancellationToken = default);
}

/// <summary>Healthy, or degraded with why appends fail (as the store saw it last).</summary>
public sealed record StoreHealth(bool Healthy, string? Reason)
{
    public static readonly StoreHealth Writable = new(true, null);
}

/// <summary>
/// How far one agent's entries from one tailed file are committed: every entry of that agent whose line ends
/// at or before <see cref="EndOffset"/> of that <see cref="FileIdentity"/> is stored. Written in the same
/// transaction as the entries, so a tailer that crashed between the commit and its own checkpoint skips them.
/// </summary>
public sealed record SourceMark(string SourceKey, string AgentKey, string FileIdentity, long EndOffset);

/// <summary>All filters are optional. <see cref="AgentKey"/> is upper-cased (see <see cref="AgentKeys"/>);
/// <see cref="From"/> is inclusive and <see cref="To"/> exclusive, both UTC. <see cref="Levels"/> keeps entries of
/// any of those levels (an empty set: none), and applies together with <see cref="Level"/>.</summary>
public sealed record LogFilter(
    string? AgentKey = null, Level? Level = null, DateTime? From = null, DateTime? To = null, IReadOnlyCollection<Level>? Levels = null)
{
    public static readonly LogFilter None = new();

    public bool MatchesLevel(Level level) => (Level is null || Level == level) && (Levels is null || Levels.Contains(level));

    /// <summary>The levels kept as bits (bit n: level n), for caches keyed by filter; -1 when every level is.</summary>
    public int LevelMask => Level is null && Levels is null
        ? -1
        : Enum.GetValues<Level>().Where(MatchesLevel).Aggregate(0, (mask, l) => mask | 1 << (int)l);
}

public sealed record Paging(int Limit, int Offset)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;
}

public sealed record LogPage(IReadOnlyList<StoredEntry> Entries, long Total);

/// <summary><see cref="Days"/> holds one row per stored arrival day, oldest first.</summary>
public sealed record StoreStats(
    long TotalLogs,
    IReadOnlyDictionary<Level, long> ByLevel,
    IReadOnlyDictionary<string, long> ByAgent,
    IReadOnlyList<DayStats> Days);

/// <summary>How many entries of one agent (as sent) at one level <see cref="ILogStore.CountAsync"/> found.</summary>
public sealed record AgentLevelCount(string Agent, Level Level, long Count);

/// <summary>The entries that arrived on one UTC day and the bytes the store spends on them.</summary>
public sealed record DayStats(DateOnly Day, long SizeBytes, long Count);

using LogAggregator.Model;
using LogAggregator.Storage;
using LogAggregator.Storage.DuckDb;

namespace LogAggregator.Tests.Storage;

/// <summary>A clock the tests move across midnight.</summary>
public sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>A fresh directory of real DuckDB files per test, deleted afterwards.</summary>
public sealed class StoreHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset Day1 = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "logstore-" + Guid.NewGuid().ToString("N"));

    private readonly Func<DuckDbLogStoreOptions, DuckDbLogStoreOptions> _configure;

    public StoreHarness(Func<DuckDbLogStoreOptions, DuckDbLogStoreOptions>? configure = null)
    {
        _configure = configure ?? (options => options);
        Store = Open();
    }

    public ManualClock Clock { get; } = new(Day1);

    public DuckDbLogStore Store { get; private set; }

    public string LogsDirectory => Path.Combine(_directory, "logs");

    public async Task ReopenAsync()
    {
        await Store.DisposeAsync();
        Store = Open();
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    public static LogEntry Entry(
        string message, string agent = "CERBERUS", Level level = Level.Info, DateTime? at = null, string metadata = LogEntry.EmptyMetadata) =>
        new(at ?? Day1.UtcDateTime, level, agent, message, "/tmp/" + agent.ToLowerInvariant() + ".log", metadata);

    public Task<IReadOnlyList<string>> AppendAsync(params LogEntry[] entries) => Store.AppendAsync(entries, []);

    /// <summary>Today's day file's WAL, as the harness's clock dates it.</summary>
    public string TodaysWal => Path.Combine(LogsDirectory, DayFile.FileName(DateOnly.FromDateTime(Clock.GetUtcNow().UtcDateTime)) + ".wal");

    private DuckDbLogStore Open() => new(_configure(new DuckDbLogStoreOptions(_directory, "256MB", 1)), Clock);
}

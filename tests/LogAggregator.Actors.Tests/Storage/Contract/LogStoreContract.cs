using LogAggregator.Model;
using LogAggregator.Storage;

namespace LogAggregator.Tests.Storage.Contract;

/// <summary>
/// A store as the contract suite drives it: fresh and empty, on a clock the test moves, and able to close and
/// open again over the same data.
/// </summary>
public abstract class LogStoreUnderTest : IAsyncDisposable
{
    public ManualClock Clock { get; } = new(StoreHarness.Day1);

    public abstract ILogStore Store { get; }

    /// <summary>Closes the store (every accepted append committed) and opens it again over the same data.</summary>
    public abstract Task ReopenAsync();

    /// <summary>Brings whatever the store builds in the background for searches up to date with what is committed.</summary>
    public abstract Task SettleAsync();

    public abstract ValueTask DisposeAsync();
}

/// <summary>A store under test that closes and opens again through <see cref="Open"/>, first opened when first used.</summary>
public abstract class ReopenableStoreUnderTest<TStore> : LogStoreUnderTest
    where TStore : class, ILogStore
{
    private readonly object _gate = new();
    private TStore? _store;

    public override ILogStore Store => Current;

    /// <summary>Opened once even when the first calls come from many threads at once.</summary>
    protected TStore Current
    {
        get
        {
            lock (_gate)
            {
                return _store ??= Open();
            }
        }
    }

    public override async Task ReopenAsync()
    {
        await Current.DisposeAsync();
        lock (_gate)
        {
            _store = Open();
        }
    }

    protected abstract TStore Open();
}

/// <summary>
/// Every behaviour of <see cref="ILogStore"/> that the actors and the API rely on, stated once. Each
/// implementation derives a class that says how to make a fresh store, and runs every test here. The suite is
/// split by concern into <c>LogStoreContract.*.cs</c>; it speaks only of entries, days and marks.
/// </summary>
public abstract partial class LogStoreContract : IAsyncLifetime
{
    protected static readonly DateTime T0 = StoreHarness.Day1.UtcDateTime;

    /// <summary>The arrival day the store's clock starts on; later days are reached with <see cref="ArriveOnDay"/>.</summary>
    protected static readonly DateOnly FirstDay = DateOnly.FromDateTime(T0);

    private LogStoreUnderTest? _subject;

    protected LogStoreUnderTest Subject => _subject ?? throw new InvalidOperationException("not initialized");

    protected ILogStore Store => Subject.Store;

    protected ManualClock Clock => Subject.Clock;

    public Task InitializeAsync()
    {
        _subject = CreateStore();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_subject is not null)
        {
            await _subject.DisposeAsync();
        }
    }

    protected abstract LogStoreUnderTest CreateStore();

    protected Task<IReadOnlyList<string>> AppendAsync(params LogEntry[] entries) => Store.AppendAsync(entries, []);

    protected static LogEntry Entry(
        string message, string agent = "CERBERUS", Level level = Level.Info, DateTime? at = null, string metadata = LogEntry.EmptyMetadata) =>
        StoreHarness.Entry(message, agent, level, at, metadata);

    protected static IEnumerable<string> Messages(IEnumerable<StoredEntry> entries) => entries.Select(e => e.Entry.Message);

    /// <summary>Moves the store's clock so that what is appended next arrives <paramref name="days"/> after the first day.</summary>
    protected void ArriveOnDay(int days) => Clock.Now = StoreHarness.Day1.AddDays(days);

    protected Task<LogPage> QueryAsync(LogFilter filter, int limit = 10, int offset = 0) => Store.QueryAsync(filter, new Paging(limit, offset));
}

using DuckDB.NET.Data;
using LogAggregator.Model;

namespace LogAggregator.Storage.DuckDb;

/// <summary>
/// The embedded log store: one DuckDB file per UTC day of arrival, so retention deletes whole files and
/// time-range queries skip files whose entries cannot match. Today's file has the only writer
/// (<see cref="DayWriter"/>); older files are read-only. A file that cannot be opened at start is skipped and
/// reported in <see cref="SkippedFiles"/>, so one damaged day does not take the server down.
/// </summary>
public sealed class DuckDbLogStore : ILogStore
{
    /// <summary>How soon a block of today's rows joins the search index once full; until then searches read it.</summary>
    private static readonly TimeSpan IndexInterval = TimeSpan.FromSeconds(5);

    /// <summary>How long a health check waits for its probe write before answering with what it knows.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    private readonly DuckDbLogStoreOptions _options;
    private readonly TimeProvider _clock;
    private readonly string _directory;
    private readonly object _gate = new();
    private readonly SortedDictionary<DateOnly, DayFile> _files = new();
    private readonly List<string> _skipped = [];
    private readonly long _memoryLimit;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _indexReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _indexer;
    private readonly AgentsOfTheDay _agentsToday;
    private readonly WriteHealth _health = new();
    private (DayFile File, DayWriter Writer)? _current;
    private bool _disposed;

    public DuckDbLogStore(DuckDbLogStoreOptions options, TimeProvider? clock = null)
    {
        options.Validate();
        _options = options;
        _clock = clock ?? TimeProvider.System;
        _directory = options.LogsDirectory;
        _memoryLimit = MemoryShares.Parse(options.MemoryLimit);
        Directory.CreateDirectory(_directory);
        var days = new List<DateOnly>();
        foreach (var path in Directory.EnumerateFiles(_directory, "*.duckdb"))
        {
            if (DayFile.TryParseName(Path.GetFileName(path), out var day))
            {
                days.Add(day);
            }
        }

        // Opened with their share already, so counting a week of files at start never holds a week of limits.
        var share = MemoryShares.Split(_memoryLimit, days.Count, writing: false).Past;
        foreach (var day in days)
        {
            try
            {
                _files[day] = DayFile.Open(_directory, day, options, share);
            }
            catch (Exception e) when (e is DuckDBException or IOException)
            {
                _skipped.Add($"{DayFile.FileName(day)}: {e.Message}");
            }
        }

        _agentsToday = new AgentsOfTheDay(Today, FileOf);
        _indexer = Task.Run(IndexAsync);
    }

    /// <summary>Completes after the first pass of the search index over every day file found at start.</summary>
    public Task IndexReady => _indexReady.Task;

    /// <summary>Day files found at start that could not be opened, each with the reason.</summary>
    public IReadOnlyList<string> SkippedFiles => _skipped;

    /// <summary>Runs inside the writer's transaction just before COMMIT; lets tests make a commit fail.</summary>
    internal Action? BeforeCommit { get; set; }

    /// <summary>Told the name of every day file a search scans; lets tests see a search stop early.</summary>
    internal Action<string>? FileSearched { get; set; }

    /// <summary>Told every statement a page of <see cref="QueryAsync"/> reads rows with; lets tests see what it reads.</summary>
    internal Action<string>? PageRead { get; set; }

    public async Task<IReadOnlyList<string>> AppendAsync(
        IReadOnlyList<LogEntry> entries, IReadOnlyList<SourceMark> marks, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (entries.Count == 0 && marks.Count == 0)
        {
            return [];
        }

        var append = new PendingAppend(entries, marks, cancellationToken);
        _agentsToday.Written(append.Tally);
        Enqueue(append);
        return await append.Completion.Task.ConfigureAwait(false);
    }

    public async Task<StoreHealth> CheckHealthAsync(CancellationToken cancellationToken = default)
    {
        if (_health.Current.Healthy)
        {
            return StoreHealth.Writable;
        }

        var probe = new PendingAppend([], [], cancellationToken) { IsProbe = true };
        try
        {
            Enqueue(probe);
            // A writer busy with a large commit answers later; the state it leaves is what the next check reports.
            await probe.Completion.Task.WaitAsync(ProbeTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DuckDBException or IOException or TimeoutException or InvalidOperationException)
        {
            // Recorded by the writer (or by Enqueue) as the reason.
        }

        return _health.Current;
    }

    public Task<IReadOnlyList<string>> AdmitAgentsAsync(
        IReadOnlyCollection<string> agentKeys, int maxAgentsPerDay, CancellationToken cancellationToken = default) =>
        Task.FromResult(_agentsToday.Admit(agentKeys, maxAgentsPerDay));

    public Task<IReadOnlyList<SourceMark>> GetMarksAsync(string sourceKey, CancellationToken cancellationToken = default) =>
        Task.Run<IReadOnlyList<SourceMark>>(() =>
        {
            var found = new Dictionary<string, SourceMark>();
            foreach (var file in Snapshot().Reverse())
            {
                using var lease = file.TryLease();
                if (lease is null)
                {
                    continue;
                }

                using var command = lease.Connection.CreateCommand();
                command.CommandText = "SELECT agent_key, file_identity, end_offset FROM source_marks WHERE source_key = $source";
                command.Parameters.Add(new DuckDBParameter("source", sourceKey));
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    found.TryAdd(reader.GetString(0), new SourceMark(sourceKey, reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
                }
            }

            return found.Values.OrderBy(m => m.AgentKey, StringComparer.Ordinal).ToList();
        }, cancellationToken);

    public Task<LogPage> QueryAsync(LogFilter filter, Paging paging, CancellationToken cancellationToken = default) =>
        Task.Run(() => LogQuery.Run(Candidates(filter), filter, paging, PageRead, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<StoredEntry>> SearchAsync(
        SearchPattern pattern, LogFilter filter, Paging paging, CancellationToken cancellationToken = default) =>
        Task.Run(() => LogQuery.Search(Candidates(filter).Reverse(), pattern, filter, paging, FileSearched, cancellationToken), cancellationToken);

    public Task<StoredEntry?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!LogIds.TryParse(id, out var day, out var seq))
        {
            return Task.FromResult<StoredEntry?>(null);
        }

        DayFile? file;
        lock (_gate)
        {
            _files.TryGetValue(day, out file);
        }

        return file is null
            ? Task.FromResult<StoredEntry?>(null)
            : Task.Run(() => LogQuery.Get(file, seq, cancellationToken), cancellationToken);
    }

    public Task<LogContext?> GetContextAsync(string id, int before, int after, CancellationToken cancellationToken = default)
    {
        var files = Snapshot();
        var target = LogIds.TryParse(id, out var day, out var seq) ? files.FirstOrDefault(f => f.Day == day) : null;
        return target is null
            ? Task.FromResult<LogContext?>(null)
            : Task.Run(() => ContextQuery.Run(files, target, seq, before, after, cancellationToken), cancellationToken);
    }

    public Task<Histogram> HistogramAsync(LogFilter filter, HistogramInterval interval, CancellationToken cancellationToken = default) =>
        Task.Run(
            () => HistogramQuery.Run(Candidates(filter), filter, interval, DateOnly.FromDateTime(_clock.GetUtcNow().UtcDateTime), cancellationToken),
            cancellationToken);

    public Task<ErrorSummary> ErrorSummaryAsync(DateTime from, DateTime to, int top, CancellationToken cancellationToken = default) =>
        Task.Run(() => ErrorSummaryQuery.Run(Candidates(new LogFilter(From: from, To: to)), from, to, top, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<AgentLevelCount>> CountAsync(LogFilter filter, CancellationToken cancellationToken = default) =>
        Task.Run(() => CountQuery.Run(Candidates(filter), filter, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<string>> GetAgentsAsync(CancellationToken cancellationToken = default)
    {
        var byAgent = Tally().ByAgent;
        IReadOnlyList<string> agents = byAgent.Where(a => a.Value > 0).Select(a => a.Key).Order(StringComparer.Ordinal).ToList();
        return Task.FromResult(agents);
    }

    public Task<StoreStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        var (byLevel, byAgent) = Tally();
        var days = Snapshot().Select(f => new DayStats(f.Day, f.SizeBytes, f.Counters.Total)).ToList();
        return Task.FromResult(new StoreStats(days.Sum(d => d.Count), byLevel, byAgent, days));
    }

    public async Task<IReadOnlyList<DateOnly>> DeleteDaysBeforeAsync(DateOnly oldestKept, CancellationToken cancellationToken = default)
    {
        List<DayFile> doomed;
        lock (_gate)
        {
            var writing = _current?.File.Day;
            doomed = _files.Values.Where(f => f.Day < oldestKept && f.Day != writing).ToList();
            foreach (var file in doomed)
            {
                _files.Remove(file.Day);
            }

            if (doomed.Count > 0)
            {
                ShareMemory();
            }
        }

        return await Task.Run<IReadOnlyList<DateOnly>>(() =>
        {
            foreach (var file in doomed)
            {
                file.Close();
                File.Delete(file.Path);
                File.Delete(file.Path + ".wal");
            }

            return doomed.Select(f => f.Day).ToList();
        }, CancellationToken.None).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _indexer.ConfigureAwait(false);

        // Closing a file drains its writer first, so every accepted append is committed (or failed to its caller).
        await Task.Run(() =>
        {
            foreach (var file in Snapshot())
            {
                file.Close();
            }
        }).ConfigureAwait(false);
    }

    private void Enqueue(PendingAppend append)
    {
        try
        {
            while (!CurrentWriter().TryEnqueue(append))
            {
                // The writer stopped between lookup and enqueue: the day just rolled over. Try the new day's.
            }
        }
        catch (Exception e) when (e is DuckDBException or IOException)
        {
            // Today's file could not be created or opened: the disk is full or failing.
            _health.Failed(e);
            throw;
        }
    }

    /// <summary>Today's writer; crossing midnight UTC opens the new day's file and stops yesterday's writer.</summary>
    private DayWriter CurrentWriter()
    {
        var today = DateOnly.FromDateTime(_clock.GetUtcNow().UtcDateTime);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_current is { } current && current.File.Day == today)
            {
                return current.Writer;
            }

            if (!_files.TryGetValue(today, out var file))
            {
                file = DayFile.Open(_directory, today, _options, MemoryShares.Split(_memoryLimit, _files.Count, writing: true).Writing);
                _files[today] = file;
            }

            _current?.Writer.Stop();
            var writer = new DayWriter(file, () => BeforeCommit, _health);
            file.Writer = writer;
            _current = (file, writer);
            ShareMemory();
            return writer;
        }
    }

    /// <summary>
    /// Keeps every file's search index up to date: past days once, today's as its blocks fill. Newest first, since
    /// searches read newest first. One pass over 10 M rows takes seconds, in the background.
    /// </summary>
    private async Task IndexAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            RefreshIndex(token);
            _indexReady.TrySetResult();
            try
            {
                await Task.Delay(IndexInterval, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One pass of the indexer; tests call it to index what they just appended.</summary>
    internal void RefreshIndex(CancellationToken token = default)
    {
        foreach (var file in Snapshot().Reverse())
        {
            try
            {
                using var lease = file.TryLease();
                if (lease is not null && !token.IsCancellationRequested)
                {
                    file.Index.Extend(lease.Connection, token, file.Writer is null ? int.MaxValue : BigramIndex.WritingBlocksPerScan);
                }
            }
            catch (Exception e) when (e is DuckDBException or OperationCanceledException or InvalidOperationException or ObjectDisposedException)
            {
                // A damaged, deleted or cancelled file stays unindexed: its searches read every row.
            }
        }
    }

    /// <summary>Gives every open file its share of the limit; called under the gate whenever the set of files changes.</summary>
    private void ShareMemory()
    {
        var writing = _current?.File;
        var (writingShare, pastShare) = MemoryShares.Split(_memoryLimit, _files.Count - (writing is null ? 0 : 1), writing is not null);
        foreach (var file in _files.Values)
        {
            file.LimitMemory(file == writing ? writingShare : pastShare);
        }
    }

    /// <summary>Files that may hold entries matching the filter, oldest day first.</summary>
    private DayFile[] Candidates(LogFilter filter) =>
        Snapshot().Where(f => f.Counters.Overlaps(filter.From, filter.To)).ToArray();

    private DateOnly Today() => DateOnly.FromDateTime(_clock.GetUtcNow().UtcDateTime);

    private DayFile? FileOf(DateOnly day)
    {
        lock (_gate)
        {
            return _files.GetValueOrDefault(day);
        }
    }

    private DayFile[] Snapshot()
    {
        lock (_gate)
        {
            return _files.Values.ToArray();
        }
    }

    private (Dictionary<Level, long> ByLevel, Dictionary<string, long> ByAgent) Tally()
    {
        var byLevel = Levels.All.ToDictionary(l => l, _ => 0L);
        var byAgent = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var file in Snapshot())
        {
            file.Counters.AddTo(byLevel, byAgent);
        }

        return (byLevel, byAgent);
    }
}

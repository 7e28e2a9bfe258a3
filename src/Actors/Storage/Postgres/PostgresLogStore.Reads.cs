using LogAggregator.Model;
using LogAggregator.Storage.DuckDb;
using Npgsql;

namespace LogAggregator.Storage.Postgres;

public sealed partial class PostgresLogStore
{
    public async Task<LogPage> QueryAsync(LogFilter filter, Paging paging, CancellationToken cancellationToken = default)
    {
        await ReadyAsync(cancellationToken).ConfigureAwait(false);
        var total = await TotalAsync(filter, cancellationToken).ConfigureAwait(false);
        if (total == 0 || paging.Limit <= 0 || paging.Offset >= total)
        {
            return new LogPage([], total);
        }

        await using var command = Command("");
        command.CommandText = $"SELECT {PostgresRows.Columns} FROM log_entries {PostgresRows.Where(filter, command)} "
            + $"{PostgresRows.NewestFirst} LIMIT {paging.Limit} OFFSET {Math.Max(0, paging.Offset)}";
        return new LogPage(await PostgresRows.ReadAsync(command, cancellationToken).ConfigureAwait(false), total);
    }

    public async Task<IReadOnlyList<StoredEntry>> SearchAsync(
        SearchPattern pattern, LogFilter filter, Paging paging, CancellationToken cancellationToken = default)
    {
        await ReadyAsync(cancellationToken).ConfigureAwait(false);
        if (paging.Limit <= 0 || PostgresRows.LevelsOf(filter) is { Length: 0 })
        {
            return [];
        }

        try
        {
            return await SearchAsync(PostgresText.Pattern(pattern.Expression), pattern, filter, paging, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidRegularExpression && !pattern.IsLiteral)
        {
            // PostgreSQL's engine refused what .NET accepted (\p{L}, named groups): the contract matches it literally.
            return await SearchAsync(PostgresText.Pattern(SearchPattern.EscapeLiteral(pattern.Text)), pattern, filter, paging, cancellationToken)
                .ConfigureAwait(false);
        }
    }

    private async Task<IReadOnlyList<StoredEntry>> SearchAsync(
        string expression, SearchPattern pattern, LogFilter filter, Paging paging, CancellationToken cancellationToken)
    {
        await using var command = Command("");
        command.CommandTimeout = (int)Math.Ceiling(_options.SearchTimeout.TotalSeconds);
        command.Parameters.Add(new NpgsqlParameter<string>("re", expression));
        // Most entries carry no metadata ("{}"): unless the pattern matches that text itself, such rows skip the test.
        var metadata = pattern.Highlighter.IsMatch(LogEntry.EmptyMetadata) ? "" : $"metadata <> '{LogEntry.EmptyMetadata}' AND ";
        command.CommandText = $"SELECT {PostgresRows.Columns} FROM log_entries {PostgresRows.Where(filter, command)} "
            + $"AND (message ~* @re OR ({metadata}metadata ~* @re)) "
            + $"{PostgresRows.NewestFirst} LIMIT {paging.Limit} OFFSET {Math.Max(0, paging.Offset)}";
        return await PostgresRows.ReadAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<StoredEntry?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!LogIds.TryParse(id, out var day, out var seq))
        {
            return null;
        }

        await ReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command($"SELECT {PostgresRows.Columns} FROM log_entries WHERE day = @day AND seq = @seq");
        command.Parameters.Add(new NpgsqlParameter<DateOnly>("day", day));
        command.Parameters.Add(new NpgsqlParameter<long>("seq", seq));
        return (await PostgresRows.ReadAsync(command, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
    }

    /// <summary>Arrival order is the sequence's order, across days and nodes alike.</summary>
    public async Task<LogContext?> GetContextAsync(string id, int before, int after, CancellationToken cancellationToken = default)
    {
        if (await GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } target)
        {
            return null;
        }

        LogIds.TryParse(id, out _, out var seq);
        var older = await NeighboursAsync(target, seq, before, older: true, cancellationToken).ConfigureAwait(false);
        var newer = await NeighboursAsync(target, seq, after, older: false, cancellationToken).ConfigureAwait(false);
        // Every list is newest first: before runs from the target back, after from its far end back to the target.
        newer.Reverse();
        return new LogContext(older, target, newer);
    }

    private async Task<List<StoredEntry>> NeighboursAsync(StoredEntry target, long seq, int count, bool older, CancellationToken cancellationToken)
    {
        if (count <= 0)
        {
            return [];
        }

        await using var command = Command(
            $"SELECT {PostgresRows.Columns} FROM log_entries WHERE agent_key = @agent_key AND source = @source "
            + (older ? "AND seq < @seq ORDER BY seq DESC" : "AND seq > @seq ORDER BY seq") + $" LIMIT {count}");
        command.Parameters.Add(new NpgsqlParameter<string>("agent_key", PostgresText.Encode(target.Entry.AgentKey)));
        command.Parameters.Add(new NpgsqlParameter<string>("source", PostgresText.Encode(target.Entry.Source)));
        command.Parameters.Add(new NpgsqlParameter<long>("seq", seq));
        return await PostgresRows.ReadAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Histogram> HistogramAsync(LogFilter filter, HistogramInterval interval, CancellationToken cancellationToken = default)
    {
        await ReadyAsync(cancellationToken).ConfigureAwait(false);
        if (await RangeAsync(filter, cancellationToken).ConfigureAwait(false) is not { } range)
        {
            return new Histogram(interval, []);
        }

        if (filter.From is null && HistogramQuery.DefaultStart(range.Max, filter.To, interval) is { } start)
        {
            filter = filter with { From = start };
        }

        HistogramQuery.GuardWidth(range.Min, range.Max, filter, interval);
        return await HistogramAsync(filter, interval.Length().Ticks / 10, cancellationToken).ConfigureAwait(false) is { } buckets
            ? new Histogram(interval, buckets)
            : new Histogram(interval, []);
    }

    /// <summary>The oldest and newest timestamps of the entries the filter's agent and levels keep, from the counters.</summary>
    private async Task<(DateTime Min, DateTime Max)?> RangeAsync(LogFilter filter, CancellationToken cancellationToken)
    {
        await using var command = Command("");
        command.CommandText = $"SELECT min(min_ts), max(max_ts) FROM log_counts {CountsWhere(filter, command)}";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && !reader.IsDBNull(0)
            ? (PostgresRows.Time(reader.GetInt64(0)), PostgresRows.Time(reader.GetInt64(1)))
            : null;
    }

    /// <summary>
    /// Masking runs in .NET (the alerting's own <see cref="MessagePatterns"/>), each distinct message once. The window's
    /// error rows stream over unfolded: messages carrying ids are nearly all distinct (189,372 groups of 190,142 rows
    /// in the 10M benchmark), so a GROUP BY only added a sort that spilled to disk (532 against 238 ms for the rows).
    /// </summary>
    public async Task<ErrorSummary> ErrorSummaryAsync(DateTime from, DateTime to, int top, CancellationToken cancellationToken = default)
    {
        await ReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command("");
        // "level >= Error" spelled as the partial index log_entries_errors_ts is, so the planner can prove it applies and
        // reads the window's error rows alone instead of every row of the window.
        var filter = new LogFilter(From: from, To: to);
        command.CommandText = $"SELECT agent, message, message_exact FROM log_entries {PostgresRows.Where(filter, command)} "
            + $"AND level >= {(short)Level.Error}";
        var tally = new ErrorTally();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var message = PostgresText.Read(reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
            tally.Add(PostgresText.Decode(reader.GetString(0)), message);
        }

        return tally.Summary(top);
    }

    /// <summary>
    /// Counter rows (per arrival day, agent and level, with their oldest and newest timestamp) that the range holds
    /// whole or misses whole answer without a scan; a day with a row the range cuts through is grouped from its entries.
    /// </summary>
    public async Task<IReadOnlyList<AgentLevelCount>> CountAsync(LogFilter filter, CancellationToken cancellationToken = default)
    {
        await ReadyAsync(cancellationToken).ConfigureAwait(false);
        if (await CountersAsync(filter, cancellationToken).ConfigureAwait(false) is not { } counters)
        {
            return [];
        }

        var counts = counters.Counts;
        if (counters.Cut.Count > 0)
        {
            await using var command = Command("");
            command.Parameters.Add(new NpgsqlParameter<DateOnly[]>("days", counters.Cut.Keys.ToArray()));
            command.CommandText = $"SELECT agent, level, count(*) FROM log_entries {PostgresRows.Where(filter, command)} AND day = ANY(@days) GROUP BY 1, 2";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var key = (PostgresText.Decode(reader.GetString(0)), (Level)reader.GetInt16(1));
                counts[key] = counts.GetValueOrDefault(key) + reader.GetInt64(2);
            }
        }

        return counts.Select(c => new AgentLevelCount(c.Key.Agent, c.Key.Level, c.Value)).ToList();
    }

    /// <summary>
    /// A page's total: as <see cref="CountAsync"/>, except that a day the range cuts through is not counted from all
    /// its entries in the range but from <c>log_minutes</c> (kept in the appends' transactions, keyed by the entry's
    /// own minute, so late arrivals count where they belong) for the whole minutes, and from its entries only in the
    /// partial minutes at the range's two ends. A deep page of a 4-hour window so reads minutes, not 238,000 rows.
    /// </summary>
    private async Task<long> TotalAsync(LogFilter filter, CancellationToken cancellationToken)
    {
        if (await CountersAsync(filter, cancellationToken).ConfigureAwait(false) is not { } counters)
        {
            return 0;
        }

        var total = counters.Counts.Values.Sum();
        if (counters.Cut.Count == 0)
        {
            return total;
        }

        // No entry of the cut days lies outside their oldest and newest timestamps: the range shrinks to them.
        var lo = Math.Max(counters.From, counters.Cut.Values.Min(s => s.Min));
        var hi = Math.Min(counters.To, counters.Cut.Values.Max(s => s.Max) + 1);
        if (lo >= hi)
        {
            return total;
        }

        var firstMinute = (lo + PostgresRows.MicrosPerMinute - 1) / PostgresRows.MicrosPerMinute;
        var endMinute = hi / PostgresRows.MicrosPerMinute;
        var wholeFrom = Math.Min(firstMinute * PostgresRows.MicrosPerMinute, hi);
        var wholeTo = Math.Max(endMinute * PostgresRows.MicrosPerMinute, wholeFrom);
        await using var command = Command("");
        var where = CountsWhere(filter, command);
        command.Parameters.Add(new NpgsqlParameter<DateOnly[]>("days", counters.Cut.Keys.ToArray()));
        command.Parameters.Add(new NpgsqlParameter<long>("lo", lo));
        command.Parameters.Add(new NpgsqlParameter<long>("whole_from", wholeFrom));
        command.Parameters.Add(new NpgsqlParameter<long>("whole_to", wholeTo));
        command.Parameters.Add(new NpgsqlParameter<long>("hi", hi));
        command.Parameters.Add(new NpgsqlParameter<long>("first_minute", firstMinute));
        command.Parameters.Add(new NpgsqlParameter<long>("end_minute", endMinute));
        // Only the parts the range has: planning a statement over every day table costs about a millisecond each.
        var parts = new List<string>();
        if (lo < wholeFrom)
        {
            parts.Add($"(SELECT count(*) FROM log_entries {where} AND day = ANY(@days) AND ts >= @lo AND ts < @whole_from)");
        }

        if (wholeTo < hi)
        {
            parts.Add($"(SELECT count(*) FROM log_entries {where} AND day = ANY(@days) AND ts >= @whole_to AND ts < @hi)");
        }

        if (firstMinute < endMinute)
        {
            parts.Add($"(SELECT coalesce(sum(count), 0) FROM log_minutes {where} "
                + "AND day = ANY(@days) AND minute >= @first_minute AND minute < @end_minute)::bigint");
        }

        command.CommandText = "SELECT " + string.Join(" + ", parts);
        return total + (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// The filter's counter rows, split: counts of the days the range holds or misses whole, and the days it cuts
    /// through, with the oldest and newest timestamp of their rows. Null when the filter can match nothing.
    /// </summary>
    private async Task<Counters?> CountersAsync(LogFilter filter, CancellationToken cancellationToken)
    {
        if (PostgresRows.LevelsOf(filter) is { Length: 0 } || filter.From is { } f && PostgresRows.Ceiling(f) is null)
        {
            return null;
        }

        var from = filter.From is { } start ? PostgresRows.Ceiling(start)!.Value : 0;
        var to = filter.To is { } end && PostgresRows.Ceiling(end) is { } bound ? bound : PostgresRows.EndOfTime;
        var rows = new List<(DateOnly Day, string Agent, Level Level, long Count, long Min, long Max, bool Inside, bool Outside)>();
        await using (var command = Command(""))
        {
            command.Parameters.Add(new NpgsqlParameter<long>("lo", from));
            command.Parameters.Add(new NpgsqlParameter<long>("hi", to));
            command.CommandText = $"""
                SELECT day, agent, level, count, min_ts, max_ts, min_ts >= @lo AND max_ts < @hi, max_ts < @lo OR min_ts >= @hi
                FROM log_counts {CountsWhere(filter, command)}
                """;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add((reader.GetFieldValue<DateOnly>(0), reader.GetString(1), (Level)reader.GetInt16(2), reader.GetInt64(3),
                    reader.GetInt64(4), reader.GetInt64(5), reader.GetBoolean(6), reader.GetBoolean(7)));
            }
        }

        var cut = rows.Where(r => !r.Inside && !r.Outside).Select(r => r.Day).ToHashSet();
        var counts = new Dictionary<(string Agent, Level Level), long>();
        foreach (var row in rows.Where(r => r.Inside && !cut.Contains(r.Day)))
        {
            var key = (PostgresText.Decode(row.Agent), row.Level);
            counts[key] = counts.GetValueOrDefault(key) + row.Count;
        }

        var spans = rows.Where(r => cut.Contains(r.Day)).GroupBy(r => r.Day)
            .ToDictionary(g => g.Key, g => (Min: g.Min(r => r.Min), Max: g.Max(r => r.Max)));
        return new Counters(counts, spans, from, to);
    }

    private sealed record Counters(
        Dictionary<(string Agent, Level Level), long> Counts, Dictionary<DateOnly, (long Min, long Max)> Cut, long From, long To);

    public async Task<IReadOnlyList<string>> GetAgentsAsync(CancellationToken cancellationToken = default)
    {
        await ReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command("SELECT DISTINCT agent FROM log_counts");
        var agents = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            agents.Add(PostgresText.Decode(reader.GetString(0)));
        }

        return agents.Order(StringComparer.Ordinal).ToList();
    }

    public async Task<StoreStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        await ReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command("""
            SELECT agent, level, sum(count)::bigint FROM log_counts GROUP BY agent, level;
            SELECT d.day, coalesce((SELECT sum(count) FROM log_counts c WHERE c.day = d.day), 0)::bigint,
                   coalesce(pg_total_relation_size(to_regclass('log_entries_' || to_char(d.day, 'YYYYMMDD'))), 0)
            FROM log_days d ORDER BY d.day
            """);
        var byLevel = Levels.All.ToDictionary(l => l, _ => 0L);
        var byAgent = new Dictionary<string, long>(StringComparer.Ordinal);
        var days = new List<DayStats>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var agent = PostgresText.Decode(reader.GetString(0));
            var count = reader.GetInt64(2);
            byLevel[(Level)reader.GetInt16(1)] += count;
            byAgent[agent] = byAgent.GetValueOrDefault(agent) + count;
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            days.Add(new DayStats(reader.GetFieldValue<DateOnly>(0), reader.GetInt64(2), reader.GetInt64(1)));
        }

        return new StoreStats(days.Sum(d => d.Count), byLevel, byAgent, days);
    }

    /// <summary>The agent and level conditions of a filter over the counters table.</summary>
    private static string CountsWhere(LogFilter filter, NpgsqlCommand command) => PostgresRows.Where(filter, command, time: false);
}

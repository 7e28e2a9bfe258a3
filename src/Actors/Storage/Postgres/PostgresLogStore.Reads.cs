using LogAggregator.Model;
using LogAggregator.Storage.DuckDb;
using Npgsql;

namespace LogAggregator.Storage.Postgres;

public sealed partial class PostgresLogStore
{
    public async Task<LogPage> QueryAsync(LogFilter filter, Paging paging, CancellationToken cancellationToken = default)
    {
        await ReadyAsync(cancellationToken).ConfigureAwait(false);
        var total = (await CountAsync(filter, cancellationToken).ConfigureAwait(false)).Sum(c => c.Count);
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

    /// <summary>Masking runs in .NET (the alerting's own <see cref="MessagePatterns"/>); equal messages arrive counted once.</summary>
    public async Task<ErrorSummary> ErrorSummaryAsync(DateTime from, DateTime to, int top, CancellationToken cancellationToken = default)
    {
        await ReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command("");
        var filter = new LogFilter(From: from, To: to, Levels: [Level.Error, Level.Critical, Level.Fatal]);
        command.CommandText = $"SELECT agent, message, message_exact, count(*) FROM log_entries {PostgresRows.Where(filter, command)} "
            + "GROUP BY agent, message, message_exact";
        var tally = new ErrorTally();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var message = PostgresText.Read(reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
            tally.Add(PostgresText.Decode(reader.GetString(0)), message, checked((int)reader.GetInt64(3)));
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
        if (PostgresRows.LevelsOf(filter) is { Length: 0 } || filter.From is { } f && PostgresRows.Ceiling(f) is null)
        {
            return [];
        }

        var from = filter.From is { } start ? PostgresRows.Ceiling(start)!.Value : long.MinValue;
        var to = filter.To is { } end && PostgresRows.Ceiling(end) is { } bound ? bound : long.MaxValue;
        var counts = new Dictionary<(string Agent, Level Level), long>();
        var cut = new List<DateOnly>();
        await using (var command = Command(""))
        {
            command.Parameters.Add(new NpgsqlParameter<long>("lo", from));
            command.Parameters.Add(new NpgsqlParameter<long>("hi", to));
            command.CommandText = $"""
                SELECT day, agent, level, count, min_ts >= @lo AND max_ts < @hi AS inside, max_ts < @lo OR min_ts >= @hi AS outside
                FROM log_counts {CountsWhere(filter, command)}
                """;
            var inside = new List<(DateOnly Day, string Agent, Level Level, long Count)>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var day = reader.GetFieldValue<DateOnly>(0);
                if (reader.GetBoolean(4))
                {
                    inside.Add((day, reader.GetString(1), (Level)reader.GetInt16(2), reader.GetInt64(3)));
                }
                else if (!reader.GetBoolean(5) && !cut.Contains(day))
                {
                    cut.Add(day);
                }
            }

            foreach (var row in inside.Where(r => !cut.Contains(r.Day)))
            {
                var key = (PostgresText.Decode(row.Agent), row.Level);
                counts[key] = counts.GetValueOrDefault(key) + row.Count;
            }
        }

        if (cut.Count > 0)
        {
            await using var command = Command("");
            command.Parameters.Add(new NpgsqlParameter<DateOnly[]>("days", cut.ToArray()));
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

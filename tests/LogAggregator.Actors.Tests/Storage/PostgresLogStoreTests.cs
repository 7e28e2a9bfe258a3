using LogAggregator.Model;
using LogAggregator.Storage;
using LogAggregator.Storage.Postgres;
using LogAggregator.Testing;
using Npgsql;

namespace LogAggregator.Tests.Storage;

/// <summary>
/// What the PostgreSQL store promises beyond the contract suite: several nodes on one database (schema created
/// once, ids unique, stats from the database), PostgreSQL's own regex dialect and retention by dropping tables.
/// A real server, a fresh database per test.
/// </summary>
public sealed class PostgresLogStoreTests : IAsyncLifetime
{
    private readonly ManualClock _clock = new(StoreHarness.Day1);
    private readonly List<PostgresLogStore> _stores = [];
    private string _connectionString = "";

    public async Task InitializeAsync() => _connectionString = await PostgresCluster.Instance.CreateDatabaseAsync();

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        await PostgresCluster.Instance.DropDatabaseAsync(_connectionString);
    }

    [Fact]
    public async Task Nodes_starting_together_on_an_empty_database_all_append_with_ids_unique_across_them()
    {
        var nodes = Enumerable.Range(0, 6).Select(_ => Open()).ToList();

        var ids = await Task.WhenAll(nodes.Select((node, n) =>
            node.AppendAsync(Enumerable.Range(0, 20).Select(i => Entry($"node {n} entry {i}")).ToList(), [])));

        var all = ids.SelectMany(i => i).ToList();
        Assert.Equal(120, all.Distinct().Count());
        Assert.Equal("node 3 entry 7", (await nodes[0].GetAsync(ids[3][7]))?.Entry.Message);
    }

    [Fact]
    public async Task A_role_that_only_owns_its_database_is_enough()
    {
        var role = "owner_" + Guid.NewGuid().ToString("N")[..12];
        var database = "owned_" + Guid.NewGuid().ToString("N")[..12];
        await AdminAsync($"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE");
        await AdminAsync($"CREATE DATABASE {database} OWNER {role}");
        var connectionString = new NpgsqlConnectionStringBuilder(PostgresCluster.Instance.ConnectionString(database)) { Username = role }.ConnectionString;
        try
        {
            await using (var store = new PostgresLogStore(new PostgresLogStoreOptions(connectionString), _clock))
            {
                await store.AppendAsync([Entry("disk full on /dev/sda1")], []);

                var found = await store.SearchAsync(SearchPattern.Parse("DISK.*sda"), LogFilter.None, new Paging(10, 0));
                Assert.Equal(["disk full on /dev/sda1"], found.Select(e => e.Entry.Message));
            }
        }
        finally
        {
            await PostgresCluster.Instance.DropDatabaseAsync(connectionString);
            await AdminAsync($"DROP ROLE {role}");
        }
    }

    [Fact]
    public async Task Stats_agents_and_counts_on_one_node_include_what_another_node_stored()
    {
        var writer = Open();
        var reader = Open();
        await reader.GetStatsAsync();

        await writer.AppendAsync([Entry("from the writer", agent: "HERMES", level: Level.Error)], []);

        var stats = await reader.GetStatsAsync();
        Assert.Equal(1, stats.TotalLogs);
        Assert.Equal(1, stats.ByAgent["HERMES"]);
        Assert.Equal(["HERMES"], await reader.GetAgentsAsync());
        Assert.Equal(1, (await reader.QueryAsync(new LogFilter(Level: Level.Error), new Paging(10, 0))).Total);
    }

    [Fact]
    public async Task The_daily_agent_limit_holds_across_nodes()
    {
        var one = Open();
        var two = Open();

        Assert.Empty(await one.AdmitAgentsAsync(["A", "B"], 3));
        Assert.Equal(["D"], await two.AdmitAgentsAsync(["C", "D"], 3));
        Assert.Equal(["E"], await one.AdmitAgentsAsync(["C", "E"], 3));
    }

    [Theory]
    [InlineData(@"\btimeout\b", "a timeout here", "timeouts pile up")]
    [InlineData(@"\Btime", "overtime", "time is up")]
    [InlineData("ÉCLAIR", "un éclair au café", "un eclair")]
    [InlineData(@"disk\z", "full disk", "disk full")]
    [InlineData(@"[\b]x|^y", "year", "by")]
    [InlineData("error.*timeout", "error, then timeout", "error\ntimeout")]
    [InlineData("(?i)ERROR", "an error", "fine")]
    public async Task Patterns_mean_what_they_mean_in_dotnet_case_insensitively(string pattern, string matching, string other)
    {
        var store = Open();
        await store.AppendAsync([Entry(matching), Entry(other)], []);

        var found = await store.SearchAsync(SearchPattern.Parse(pattern), LogFilter.None, new Paging(10, 0));

        Assert.Equal([matching], found.Select(e => e.Entry.Message));
    }

    [Fact]
    public async Task A_pattern_dotnet_accepts_and_postgresql_refuses_is_matched_literally()
    {
        var store = Open();
        await store.AppendAsync([Entry(@"the regex was \p{L}+ here"), Entry("letters only")], []);

        var found = await store.SearchAsync(SearchPattern.Parse(@"\p{L}+"), LogFilter.None, new Paging(10, 0));

        Assert.False(SearchPattern.Parse(@"\p{L}+").IsLiteral);
        Assert.Equal([@"the regex was \p{L}+ here"], found.Select(e => e.Entry.Message));
    }

    [Fact]
    public async Task Retention_drops_the_day_table_and_the_day_counters()
    {
        var store = Open();
        await store.AppendAsync([Entry("old")], []);
        _clock.Now = _clock.Now.AddDays(1);
        await store.AppendAsync([Entry("new")], []);
        Assert.Equal(["log_entries_20261123", "log_entries_20261124"], await TablesAsync());

        await store.DeleteDaysBeforeAsync(DateOnly.FromDateTime(_clock.Now.UtcDateTime));

        Assert.Equal(["log_entries_20261124"], await TablesAsync());
        Assert.Equal(1, (await store.GetStatsAsync()).TotalLogs);
    }

    [Fact]
    public async Task A_store_whose_database_refuses_connections_reports_degraded_and_recovers_when_it_accepts_them_again()
    {
        var store = Open();
        await store.AppendAsync([Entry("before")], []);
        Assert.True((await store.CheckHealthAsync()).Healthy);

        await AllowConnectionsAsync(false);
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => store.AppendAsync([Entry("refused")], []));
        var degraded = await store.CheckHealthAsync();
        await AllowConnectionsAsync(true);
        var recovered = await store.CheckHealthAsync();

        Assert.False(degraded.Healthy);
        Assert.Contains("not currently accepting connections", degraded.Reason);
        Assert.True(recovered.Healthy);
        Assert.Equal(["before"], (await store.QueryAsync(LogFilter.None, new Paging(10, 0))).Entries.Select(e => e.Entry.Message));
    }

    private PostgresLogStore Open()
    {
        var store = new PostgresLogStore(new PostgresLogStoreOptions(_connectionString), _clock);
        _stores.Add(store);
        return store;
    }

    private static LogEntry Entry(string message, string agent = "CERBERUS", Level level = Level.Info) =>
        StoreHarness.Entry(message, agent, level);

    private async Task<List<string>> TablesAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT tablename FROM pg_tables WHERE tablename LIKE 'log\\_entries\\_%' ORDER BY 1", connection);
        var tables = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            tables.Add(reader.GetString(0));
        }

        return tables;
    }

    private static async Task AdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresCluster.Instance.AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>As an operator closing the database: new connections refused, the store's open ones ended.</summary>
    private async Task AllowConnectionsAsync(bool allow)
    {
        var database = new NpgsqlConnectionStringBuilder(_connectionString).Database;
        await AdminAsync($"ALTER DATABASE {database} ALLOW_CONNECTIONS {allow}"
            + (allow ? "" : $"; SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'"));
    }
}

using LogAggregator.Testing;
using Npgsql;

namespace LogAggregator.Web.Tests;

/// <summary>
/// The server with <c>DATABASE_PROVIDER=postgresql</c>: entries POSTed over HTTP land in the PostgreSQL database named
/// by <c>DATABASE_CONNECTION</c> (and no DuckDB file is made), and the API reads them back from there.
/// </summary>
public sealed class PostgresStoreApiTests : IAsyncLifetime
{
    private string _connectionString = "";
    private TestHost _host = null!;

    public async Task InitializeAsync()
    {
        _connectionString = await PostgresCluster.Instance.CreateDatabaseAsync();
        _host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["DATABASE_PROVIDER"] = "postgresql",
            ["DATABASE_CONNECTION"] = _connectionString,
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await PostgresCluster.Instance.DropDatabaseAsync(_connectionString);
    }

    [Fact]
    public async Task Posted_entries_are_stored_in_postgresql_and_served_by_logs_and_stats()
    {
        var response = await _host.PostAsync("""
            [{"level":"ERROR","agent":"Cerberus","message":"payment failed","metadata":{"order":42}},
             {"level":"info","agent":"HERMES","message":"sent"}]
            """);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());

        var logs = await _host.GetJsonAsync("/api/logs?agent=cerberus");
        var stats = await _host.GetJsonAsync("/api/stats");
        var health = await _host.GetJsonAsync("/health");

        var entry = Assert.Single(logs.GetProperty("logs").EnumerateArray());
        Assert.Equal("payment failed", entry.GetProperty("message").GetString());
        Assert.Equal(42, entry.GetProperty("metadata").GetProperty("order").GetInt32());
        Assert.Equal(2, stats.GetProperty("total_logs").GetInt64());
        Assert.Equal(1, stats.GetProperty("by_level").GetProperty("ERROR").GetInt64());
        Assert.Equal(1, stats.GetProperty("by_agent").GetProperty("Cerberus").GetInt64());
        Assert.Equal("postgresql", health.GetProperty("database_provider").GetString());
        var context = await _host.GetJsonAsync("/api/logs/context?id=" + entry.GetProperty("id").GetString());
        Assert.Equal("payment failed", context.GetProperty("target").GetProperty("message").GetString());

        Assert.Equal(2L, await CountRowsAsync());
        Assert.Empty(Directory.Exists(Path.Combine(_host.DataDir, "logs"))
            ? Directory.GetFiles(Path.Combine(_host.DataDir, "logs"), "*.duckdb")
            : []);
    }

    private async Task<long> CountRowsAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM log_entries", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

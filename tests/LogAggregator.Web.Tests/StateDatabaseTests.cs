using Microsoft.Data.Sqlite;

namespace LogAggregator.Web.Tests;

/// <summary>The SQLite file of actor state runs in write-ahead-log mode (one sync per commit instead of several).</summary>
public sealed class StateDatabaseTests
{
    [Fact]
    public async Task A_state_database_left_in_rollback_journal_mode_by_an_older_release_runs_in_write_ahead_log_mode_after_a_start()
    {
        var root = Path.Combine(Path.GetTempPath(), "logagg-state-" + Guid.NewGuid().ToString("N")[..12]);
        var dataDir = Path.Combine(root, "data");
        Directory.CreateDirectory(dataDir);
        var path = Path.Combine(dataDir, "state.db");
        try
        {
            Assert.Equal("delete", Execute(path, "PRAGMA journal_mode=DELETE;"));

            await using (var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["AGGREGATED_DIR"] = dataDir }))
            {
                await host.PostOkAsync(new { agent = "STATE", level = "ERROR", message = "journaled while running" });
                Assert.Equal("wal", Execute(path, "PRAGMA journal_mode;"));
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    private static string? Execute(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar() as string;
    }
}

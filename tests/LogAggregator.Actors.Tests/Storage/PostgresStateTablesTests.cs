using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Sql;
using LogAggregator.Storage.Postgres;
using LogAggregator.Testing;
using Npgsql;

namespace LogAggregator.Tests.Storage;

/// <summary>
/// The actor state's tables on PostgreSQL (<see cref="PostgresStateTables"/>): created by several nodes at once, and
/// the same as Akka.Persistence.Sql's own auto-initialize creates, so the plugin works on them (and an upgrade of the
/// plugin that changes its schema fails here, not in a cluster). A real server, fresh databases.
/// </summary>
public sealed class PostgresStateTablesTests : IAsyncLifetime
{
    private string _byPlugin = "";
    private string _byNodes = "";

    public async Task InitializeAsync()
    {
        _byPlugin = await PostgresCluster.Instance.CreateDatabaseAsync();
        _byNodes = await PostgresCluster.Instance.CreateDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        await PostgresCluster.Instance.DropDatabaseAsync(_byPlugin);
        await PostgresCluster.Instance.DropDatabaseAsync(_byNodes);
    }

    [Fact]
    public async Task Nodes_creating_the_tables_together_get_what_the_plugin_creates_and_the_plugin_works_on_them()
    {
        Assert.Equal(["stored first"], await PersistAndRecoverAsync(_byPlugin, autoInitialize: true, "first"));

        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => PostgresStateTables.CreateAsync(_byNodes, CancellationToken.None)));

        var expected = await SchemaAsync(_byPlugin);
        Assert.Contains(expected, line => line.StartsWith("journal column 1 ordering bigint", StringComparison.Ordinal));
        Assert.Equal(expected, await SchemaAsync(_byNodes));
        Assert.Equal(["stored second"], await PersistAndRecoverAsync(_byNodes, autoInitialize: false, "second"));
    }

    /// <summary>Persists one event and a snapshot in one actor system, and returns what a second one recovers.</summary>
    private static async Task<List<string>> PersistAndRecoverAsync(string connectionString, bool autoInitialize, string text)
    {
        var config = ConfigurationFactory.ParseString($$"""
            akka.loglevel = WARNING
            akka.persistence {
              journal.plugin = "akka.persistence.journal.sql"
              snapshot-store.plugin = "akka.persistence.snapshot-store.sql"
              journal.sql { connection-string = {{System.Text.Json.JsonSerializer.Serialize(connectionString)}}, provider-name = PostgreSQL, auto-initialize = {{(autoInitialize ? "on" : "off")}} }
              snapshot-store.sql { connection-string = {{System.Text.Json.JsonSerializer.Serialize(connectionString)}}, provider-name = PostgreSQL, auto-initialize = {{(autoInitialize ? "on" : "off")}} }
            }
            """).WithFallback(SqlPersistence.DefaultConfiguration);
        using (var system = ActorSystem.Create("writer", config))
        {
            var writer = system.ActorOf(Props.Create(() => new Recorder("recorder")));
            Assert.Equal("stored", await writer.Ask<string>($"stored {text}", TimeSpan.FromSeconds(30)));
            await system.Terminate();
        }

        using (var system = ActorSystem.Create("reader", config))
        {
            var reader = system.ActorOf(Props.Create(() => new Recorder("recorder")));
            var recovered = await reader.Ask<string[]>(Recorder.Get, TimeSpan.FromSeconds(30));
            await system.Terminate();
            return recovered.ToList();
        }
    }

    /// <summary>The tables' columns, constraints and indexes, one line each, in a stable order.</summary>
    private static async Task<List<string>> SchemaAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT table_name || ' column ' || ordinal_position || ' ' || column_name || ' ' || data_type || ' '
                   || is_nullable || ' ' || is_identity || ' ' || coalesce(identity_generation, '') || ' ' || coalesce(column_default, '')
              FROM information_schema.columns WHERE table_schema = 'public' AND table_name IN ('journal', 'tags', 'snapshot')
            UNION ALL
            SELECT conrelid::regclass || ' constraint ' || conname || ' ' || pg_get_constraintdef(oid)
              FROM pg_constraint WHERE conrelid::regclass::text IN ('journal', 'tags', 'snapshot')
            UNION ALL
            SELECT tablename || ' index ' || indexdef
              FROM pg_indexes WHERE schemaname = 'public' AND tablename IN ('journal', 'tags', 'snapshot')
            ORDER BY 1
            """, connection);
        var lines = new List<string>();
        await using var rows = await command.ExecuteReaderAsync();
        while (await rows.ReadAsync())
        {
            lines.Add(rows.GetString(0));
        }

        return lines;
    }

    private sealed class Recorder : ReceivePersistentActor
    {
        public const string Get = "get";

        private readonly List<string> _events = [];

        public Recorder(string persistenceId)
        {
            PersistenceId = persistenceId;
            Recover<string>(_events.Add);
            Recover<SnapshotOffer>(offer => _events.AddRange((string[])offer.Snapshot));
            Command<string>(command => command == Get, _ => Sender.Tell(_events.ToArray()));
            Command<string>(text => Persist(text, persisted =>
            {
                _events.Add(persisted);
                SaveSnapshot(_events.ToArray());
                Sender.Tell("stored");
            }));
            Command<SaveSnapshotSuccess>(_ => { });
        }

        public override string PersistenceId { get; }
    }
}

using Akka.Configuration;
using Akka.Persistence.Sql;
using LogAggregator.Serialization;
using LogAggregator.Storage;
using LogAggregator.Storage.DuckDb;

namespace LogAggregator.Tests;

/// <summary>
/// An actor spec on real files: a temporary directory holding the DuckDB day files and the SQLite file that
/// Akka.Persistence.Sql keeps actor state in, as in production.
/// </summary>
public abstract class ActorSpec : Akka.TestKit.Xunit2.TestKit
{
    protected ActorSpec(string root)
        : base(Config(root), "spec")
    {
        Root = root;
        Store = new DuckDbLogStore(new DuckDbLogStoreOptions(Path.Combine(root, "data"), "256MB", 1));
    }

    protected ActorSpec()
        : this(NewRoot())
    {
    }

    protected string Root { get; }

    protected DuckDbLogStore Store { get; }

    protected static string NewRoot()
    {
        var root = Path.Combine(Path.GetTempPath(), "logagg-spec-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        return root;
    }

    private static Config Config(string root)
    {
        var connection = System.Text.Json.JsonSerializer.Serialize($"Data Source={Path.Combine(root, "state.db")};Pooling=True");
        return ConfigurationFactory.ParseString($$"""
            akka.loglevel = INFO
            akka.persistence {
              journal.plugin = "akka.persistence.journal.sql"
              snapshot-store.plugin = "akka.persistence.snapshot-store.sql"
              journal.sql { connection-string = {{connection}}, provider-name = "SQLite.MS", auto-initialize = on }
              snapshot-store.sql { connection-string = {{connection}}, provider-name = "SQLite.MS", auto-initialize = on }
            }
            log-aggregator-ingestion-dispatcher {
              type = ForkJoinDispatcher
              dedicated-thread-pool.thread-count = 2
            }
            # One thread, for specs that hold up an actor by occupying its only thread with another.
            spec-single-thread-dispatcher {
              type = ForkJoinDispatcher
              dedicated-thread-pool.thread-count = 1
            }
            """)
            .WithFallback(LogAggregatorSerializer.Configuration)
            .WithFallback(SqlPersistence.DefaultConfiguration);
    }

    protected async Task<List<string>> StoredMessagesAsync()
    {
        var page = await Store.QueryAsync(LogFilter.None, new Paging(Paging.MaxLimit, 0));
        return page.Entries.Select(e => e.Entry.Message).Reverse().ToList();
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        Store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

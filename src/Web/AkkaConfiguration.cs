using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Configuration;
using Akka.Event;
using Akka.Hosting;
using Akka.Persistence.Sql;
using LogAggregator.Alerting;
using LogAggregator.Configuration;
using LogAggregator.Ingestion;
using LogAggregator.Membership;
using LogAggregator.Querying;
using LogAggregator.Serialization;
using LogAggregator.Storage;

namespace LogAggregator.Web;

/// <summary>Wires every actor of the architecture picture into one Akka.Cluster node.</summary>
public static class AkkaConfiguration
{
    public static IServiceCollection AddLogAggregatorActors(this IServiceCollection services, Config hocon, LogAggregatorSettings settings)
    {
        services.AddSingleton(new AlertRules(settings.Alerting));
        if (settings.DatabaseProvider == DatabaseProvider.PostgreSql)
        {
            services.AddHostedService(provider => new StateTables(settings.DatabaseConnection, provider.GetRequiredService<ILogger<StateTables>>()));
        }

        services.AddAkka(SeedNodes.SystemName, (builder, _) =>
        {
            builder
                .AddHocon(hocon, HoconAddMode.Prepend)
                .AddHocon(ShutdownConfig, HoconAddMode.Prepend)
                .AddHocon(PersistenceConfig(settings), HoconAddMode.Prepend)
                .AddHocon(LogAggregatorSerializer.Configuration, HoconAddMode.Prepend)
                .AddHocon(SqlPersistence.DefaultConfiguration, HoconAddMode.Append)
                .ConfigureLoggers(loggers =>
                {
                    loggers.ClearLoggers();
                    loggers.AddLoggerFactory();
                })
                .WithClustering(new ClusterOptions())
                .AddDepartedMemberQuarantine()
                .AddAlertNotifier(settings)
                .AddAlerting(settings.Alerting, clusterOfOne: settings.SeedNodes.Count == 0, settings.Cluster.Shards)
                .AddAgentStores(settings.Cluster.Shards)
                .AddLogQuery()
                .AddLiveTail()
                .AddRetention(settings.RetentionDays, settings.RetentionInterval)
                .AddSourceDiscovery(settings)
                .AddStartup((system, _) =>
                {
                    // With no seed nodes a node forms a cluster of one by joining itself.
                    var cluster = Cluster.Get(system);
                    if (settings.SeedNodes.Count == 0)
                    {
                        cluster.Join(cluster.SelfAddress);
                    }

                    if (settings.DatabaseProvider == DatabaseProvider.PostgreSql)
                    {
                        cluster.RegisterOnMemberUp(() => ReportHostnameClash(cluster, system.Log));
                    }
                });
        });
        return services;
    }

    /// <summary>
    /// A node's own state in the shared database (its discovered files, its tailers' checkpoints and the store's source
    /// marks) is keyed by AKKA_HOSTNAME (DESIGN.md section 5), so two live nodes with one hostname would read and write
    /// each other's checkpoints: lines skipped or stored twice. Checked once this node is Up, by the newer node, against
    /// the members already there (<see cref="Controllers.ClusterHealth.SameHostname"/>, as <c>/health</c> does).
    /// </summary>
    private static void ReportHostnameClash(Cluster cluster, ILoggingAdapter log)
    {
        var self = cluster.SelfAddress;
        var clashing = Controllers.ClusterHealth.SameHostname(self, cluster.State.Members).Select(a => a.ToString()).ToList();
        if (clashing.Count > 0)
        {
            log.Error(
                "Member(s) {Members} have this node's AKKA_HOSTNAME {Hostname}: tailer checkpoints and source marks are keyed by hostname, "
                + "so these nodes would overwrite each other's and skip or repeat lines. Give each node its own AKKA_HOSTNAME.",
                string.Join(", ", clashing), self.Host);
        }
    }

    /// <summary>
    /// The deciders of alerting, before the agent stores (which hand their commits to the threshold region when it is
    /// registered). The notifier (its singleton proxy, registered as <see cref="AlertNotifier"/>) must be added before
    /// this; without it alerts are decided and journaled and wait for one.
    /// </summary>
    private static AkkaConfigurationBuilder AddAlerting(this AkkaConfigurationBuilder builder, AlertingSettings alerting, bool clusterOfOne, int shards)
    {
        if (!alerting.Enabled)
        {
            return builder;
        }

        builder.AddAlertThresholds(clusterOfOne, shards).AddAlertIntake().AddAlertCatchUp();
        if (alerting.DailySummary.Enabled)
        {
            builder.AddDailySummary();
        }

        if (alerting.SilentAgents.Enabled)
        {
            builder.AddSilentAgentCheck();
        }

        return builder;
    }

    /// <summary>
    /// SIGTERM stops the host, which stops Kestrel first (WebApplicationBuilder registers the web server's hosted
    /// service last, and hosted services stop in reverse): new requests are refused and in-flight POSTs still reach
    /// the agent stores, commit and answer. Only then does Akka.Hosting's hosted service run CoordinatedShutdown
    /// (the node leaves, the agent stores stop), and the container disposes the store after the last commit.
    /// Akka's own ProcessExit hook would start CoordinatedShutdown the moment the signal arrives, in parallel with
    /// that drain, leaving in-flight POSTs with no agent store until their ask timed out; so it is off.
    /// </summary>
    private static readonly Config ShutdownConfig = ConfigurationFactory.ParseString("""
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        """);

    /// <summary>
    /// Actor state (tailer checkpoints, discovered files, alert decisions, the outbox) lives in Akka.Persistence.Sql:
    /// on the embedded store in a SQLite file of this node's own (<see cref="StateDatabase"/>), on PostgreSQL in the
    /// same database as the entries, so a shard or a singleton that moves to another node finds its state there
    /// (<see cref="StateTables"/> creates the tables before the actor system starts). The journal writes through an
    /// Akka.Streams queue whose stages would run on the default dispatcher, the .NET thread pool that also serves HTTP;
    /// Microsoft.Data.Sqlite does its I/O synchronously, so each commit (and its sync to disk) would hold a pool thread.
    /// They run on a dispatcher of their own instead, at the process's priority, not the alerting threads' lower one
    /// (see <see cref="LogAggregator.Alerting.AlertingDispatcher"/>): a tailer that finds its file truncated journals
    /// where it goes on before reading on, and with the journal at nice 10 a copytruncate soak under load lost lines
    /// (the rotated copy moved on before the tailer got to it). Only in a cluster of one on the SQLite file is this process the
    /// state's only writer, so only there do the journal and snapshot store skip the recovery reads of ids that have
    /// nothing stored (<see cref="FreshPersistenceIds"/>).
    /// </summary>
    private static Config PersistenceConfig(LogAggregatorSettings settings)
    {
        if (settings.DatabaseProvider == DatabaseProvider.PostgreSql)
        {
            return SharedPersistenceConfig(settings);
        }

        var connection = System.Text.Json.JsonSerializer.Serialize(
            $"Data Source={settings.StateDatabasePath};Cache=Shared;Pooling=True;Default Timeout=30");
        var onlyWriter = settings.SeedNodes.Count == 0;
        var journalClass = onlyWriter ? $"class = \"{typeof(StateJournal).FullName}, {typeof(StateJournal).Assembly.GetName().Name}\"" : "";
        var snapshotClass = onlyWriter ? $"class = \"{typeof(StateSnapshotStore).FullName}, {typeof(StateSnapshotStore).Assembly.GetName().Name}\"" : "";
        return ConfigurationFactory.ParseString($$"""
            akka.persistence {
              journal.sql {
                {{journalClass}}
                connection-string = {{connection}}
                provider-name = "SQLite.MS"
                auto-initialize = on
                materializer-dispatcher = "log-aggregator-persistence-dispatcher"
                # SQLite has one writer: concurrent write transactions only wait on each other's locks, while
                # with one the queue batches everything that arrives during a commit into the next.
                parallelism = 1
              }
              snapshot-store.sql {
                {{snapshotClass}}
                connection-string = {{connection}}
                provider-name = "SQLite.MS"
                auto-initialize = on
              }
            }
            """).WithFallback(PersistenceDispatcher);
    }

    /// <summary>
    /// The journal and snapshot store of a cluster, in the log store's PostgreSQL database (tables <c>journal</c>,
    /// <c>tags</c> and <c>snapshot</c>, beside the store's <c>log_*</c>). Auto-initialize stays off: three nodes
    /// starting together would race on CREATE TABLE; <see cref="StateTables"/> creates them under the store's
    /// schema lock instead.
    /// </summary>
    private static Config SharedPersistenceConfig(LogAggregatorSettings settings)
    {
        var connection = System.Text.Json.JsonSerializer.Serialize(settings.DatabaseConnection);
        return ConfigurationFactory.ParseString($$"""
            akka.persistence {
              journal.sql {
                connection-string = {{connection}}
                provider-name = "{{LinqToDB.ProviderName.PostgreSQL}}"
                auto-initialize = off
                materializer-dispatcher = "log-aggregator-persistence-dispatcher"
              }
              snapshot-store.sql {
                connection-string = {{connection}}
                provider-name = "{{LinqToDB.ProviderName.PostgreSQL}}"
                auto-initialize = off
              }
            }
            """).WithFallback(PersistenceDispatcher);
    }

    private static readonly Config PersistenceDispatcher = ConfigurationFactory.ParseString("""
            log-aggregator-persistence-dispatcher {
              type = ForkJoinDispatcher
              throughput = 100
              dedicated-thread-pool {
                thread-count = 2
              }
            }
            """);
}

using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Persistence.Sql;
using LogAggregator.Configuration;
using LogAggregator.Ingestion;
using LogAggregator.Querying;
using LogAggregator.Serialization;
using LogAggregator.Storage;

namespace LogAggregator.Web;

/// <summary>Wires every actor of the architecture picture into one Akka.Cluster node.</summary>
public static class AkkaConfiguration
{
    public static IServiceCollection AddLogAggregatorActors(this IServiceCollection services, Config hocon, LogAggregatorSettings settings)
    {
        services.AddAkka(SeedNodes.SystemName, (builder, _) =>
        {
            builder
                .AddHocon(hocon, HoconAddMode.Prepend)
                .AddHocon(PersistenceConfig(settings), HoconAddMode.Prepend)
                .AddHocon(LogAggregatorSerializer.Configuration, HoconAddMode.Prepend)
                .AddHocon(SqlPersistence.DefaultConfiguration, HoconAddMode.Append)
                .ConfigureLoggers(loggers =>
                {
                    loggers.ClearLoggers();
                    loggers.AddLoggerFactory();
                })
                .WithClustering(new ClusterOptions())
                .AddAgentStores()
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
                });
        });
        return services;
    }

    /// <summary>Actor state (tailer checkpoints) lives in Akka.Persistence.Sql on an embedded SQLite file.</summary>
    private static Config PersistenceConfig(LogAggregatorSettings settings)
    {
        var connection = System.Text.Json.JsonSerializer.Serialize(
            $"Data Source={settings.StateDatabasePath};Cache=Shared;Pooling=True;Default Timeout=30");
        return ConfigurationFactory.ParseString($$"""
            akka.persistence {
              journal.sql {
                connection-string = {{connection}}
                provider-name = "SQLite.MS"
                auto-initialize = on
              }
              snapshot-store.sql {
                connection-string = {{connection}}
                provider-name = "SQLite.MS"
                auto-initialize = on
              }
            }
            """);
    }
}

using Akka.Actor;
using Akka.Hosting;
using LogAggregator.Configuration;
using LogAggregator.Model;
using LogAggregator.Storage;
using LogAggregator.Telemetry;
using LogAggregator.Web.Controllers;
using static LogAggregator.Storage.AgentStoreProtocol;

namespace LogAggregator.Web.Services;

public interface IIngestService
{
    /// <summary>Completes once every entry is committed; throws <see cref="StoreUnavailableException"/> otherwise.</summary>
    Task StoreAsync(IReadOnlyList<LogEntry> entries, CancellationToken cancellationToken) =>
        StoreAsync(entries, SourceKind.Http, cancellationToken);

    /// <summary>As above, counted in the ingest metrics under <paramref name="kind"/>.</summary>
    Task StoreAsync(IReadOnlyList<LogEntry> entries, SourceKind kind, CancellationToken cancellationToken);
}

/// <summary>The agent stores did not answer in time, or could not commit: the client should retry.</summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

public sealed class IngestService(IRequiredActor<AgentStore> agentStores, ILogStore store, LogAggregatorSettings settings) : IIngestService
{
    private long _nextBatchId;

    public async Task StoreAsync(IReadOnlyList<LogEntry> entries, SourceKind kind, CancellationToken cancellationToken)
    {
        var groups = entries.GroupBy(e => e.AgentKey, StringComparer.Ordinal).ToList();

        // Checked before anything reaches the shard region: a refused agent must not even get a store entity.
        var maxAgents = settings.Ingestion.MaxAgentsPerDay;
        var refused = await store.AdmitAgentsAsync(groups.Select(g => g.Key).ToList(), maxAgents, cancellationToken);
        if (refused.Count > 0)
        {
            var names = string.Join(", ", refused.Take(5).Select(key => $"'{groups.First(g => g.Key == key).First().Agent}'"));
            throw new BadRequestException("agent",
                $"agent {names}: the limit of {maxAgents} distinct agents per day ({IngestionSettings.MaxAgentsPerDaySetting}) is reached; "
                + "agents already seen today are still accepted");
        }

        var region = await agentStores.GetAsync(cancellationToken);
        var asks = new List<Task<StoreEntriesResult>>();
        foreach (var group in groups)
        {
            var command = new StoreEntries(group.Key, group.ToList(), null, Interlocked.Increment(ref _nextBatchId), kind);
            asks.Add(region.Ask<StoreEntriesResult>(command, settings.Http.AskTimeout, cancellationToken));
        }

        StoreEntriesResult[] results;
        try
        {
            results = await Task.WhenAll(asks);
        }
        catch (AskTimeoutException e)
        {
            throw new StoreUnavailableException($"the agent stores did not answer within {settings.Http.AskTimeout.TotalSeconds:0}s", e);
        }

        var failed = results.FirstOrDefault(r => !r.Succeeded);
        if (failed is not null)
        {
            throw new StoreUnavailableException($"the store of {failed.AgentKey} could not commit: {failed.Error}");
        }
    }
}

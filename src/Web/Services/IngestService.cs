using Akka.Actor;
using Akka.Hosting;
using LogAggregator.Configuration;
using LogAggregator.Model;
using LogAggregator.Storage;
using static LogAggregator.Storage.AgentStoreProtocol;

namespace LogAggregator.Web.Services;

public interface IIngestService
{
    /// <summary>Completes once every entry is committed; throws <see cref="StoreUnavailableException"/> otherwise.</summary>
    Task StoreAsync(IReadOnlyList<LogEntry> entries, CancellationToken cancellationToken);
}

/// <summary>The agent stores did not answer in time, or could not commit: the client should retry.</summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

public sealed class IngestService(IRequiredActor<AgentStore> agentStores, LogAggregatorSettings settings) : IIngestService
{
    private long _nextBatchId;

    public async Task StoreAsync(IReadOnlyList<LogEntry> entries, CancellationToken cancellationToken)
    {
        var region = await agentStores.GetAsync(cancellationToken);
        var asks = new List<Task<StoreEntriesResult>>();
        foreach (var group in entries.GroupBy(e => e.AgentKey, StringComparer.Ordinal))
        {
            var command = new StoreEntries(group.Key, group.ToList(), null, Interlocked.Increment(ref _nextBatchId));
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

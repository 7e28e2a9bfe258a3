using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using LogAggregator.Alerting;
using Akka.Hosting;
using LogAggregator.Configuration;
using LogAggregator.Ingestion;
using LogAggregator.Storage;
using Microsoft.AspNetCore.Mvc;
using LogAggregator.Web.Security;

namespace LogAggregator.Web.Controllers;

[ApiController]
public sealed class HealthController(
    ActorSystem system, LogAggregatorSettings settings, IRequiredActor<SourceDiscovery> discovery, ILogStore store)
    : ControllerBase
{
    /// <summary>
    /// 200 while the store takes writes, this node is an Up member of its cluster, and every tailer keeps up; 503
    /// "degraded" with the reason while the store cannot write (a full disk), while the node has not joined (or is
    /// leaving, or shares its hostname with another member: <see cref="ClusterHealth"/>), or while a tailer is stuck
    /// (its stores not acknowledging) or failing repeatedly.
    /// </summary>
    [RequiresScope(EndpointAccess.Operations)]
    [HttpGet("/health")]
    [ProducesResponseType<HealthResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<HealthResponse>(StatusCodes.Status503ServiceUnavailable)]
    public async Task<IActionResult> Get()
    {
        var storage = await store.CheckHealthAsync(HttpContext.RequestAborted);
        var cluster = Cluster.Get(system);
        var state = cluster.State;
        SourceDiscoveryProtocol.IngestionHealth? ingestion = null;
        try
        {
            var actor = await discovery.GetAsync(HttpContext.RequestAborted);
            ingestion = await actor.Ask<SourceDiscoveryProtocol.IngestionHealth>(
                SourceDiscoveryProtocol.GetIngestionHealth.Instance, TimeSpan.FromSeconds(2), HttpContext.RequestAborted);
        }
        catch (AskTimeoutException)
        {
            // Health answers even when discovery is busy; the ingestion part is simply left out.
        }

        var regions = new List<ShardRegionResponse>();
        foreach (var (name, region) in LocalRegions())
        {
            try
            {
                var local = await region.Ask<CurrentShardRegionState>(
                    GetShardRegionState.Instance, TimeSpan.FromSeconds(2), HttpContext.RequestAborted);
                regions.Add(new ShardRegionResponse(name, local.Shards.Count, local.Shards.Sum(shard => shard.EntityIds.Count)));
            }
            catch (AskTimeoutException)
            {
                // A region busy handing over is left out, as discovery is.
            }
        }

        var stuck = ingestion?.Stuck ?? [];
        var membership = ClusterHealth.Problem(cluster.SelfMember, state, settings.SeedNodes);
        var reason = storage.Reason
            ?? membership
            ?? (stuck.Count == 0 ? null : "ingestion: " + string.Join("; ", stuck.Select(s => $"{s.Path}: {s.Reason}")));
        var healthy = storage.Healthy && membership is null && stuck.Count == 0;
        return StatusCode(healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable, new HealthResponse(
            Status: healthy ? "healthy" : "degraded",
            Reason: reason,
            Service: "log-aggregator",
            Timestamp: DateTime.UtcNow,
            AggregatedDir: settings.AggregatedDir,
            RetentionDays: settings.RetentionDays,
            LogSources: settings.LogSources,
            TailedFiles: ingestion?.TailedFiles,
            Ingestion: ingestion is null
                ? null
                : new IngestionResponse(
                    ingestion.TailedFiles,
                    ingestion.Starting,
                    ingestion.Skipped.Select(f => new FileProblemResponse(f.Path, f.Reason)).ToList(),
                    stuck.Select(t => new FileProblemResponse(t.Path, t.Reason)).ToList()),
            DatabaseProvider: settings.DatabaseProvider.ToString().ToLowerInvariant(),
            Cluster: new ClusterResponse(
                cluster.SelfAddress.ToString(),
                state.Leader?.ToString(),
                state.Members.Select(m => new MemberResponse(m.Address.ToString(), m.Status.ToString(), m.Roles.ToList())).ToList(),
                regions)));
    }

    /// <summary>The shard regions this node runs (the alert thresholds only while alerting is on).</summary>
    private IEnumerable<(string Name, IActorRef Region)> LocalRegions()
    {
        var registry = ActorRegistry.For(system);
        if (registry.TryGet<AgentStore>(out var stores))
        {
            yield return (AgentStore.RegionName, stores);
        }

        if (registry.TryGet<AlertThreshold>(out var thresholds))
        {
            yield return (AlertThreshold.RegionName, thresholds);
        }
    }
}

/// <summary><c>GET /health</c>, with 200 (healthy) or 503 (degraded, with the reason).</summary>
/// <param name="TailedFiles">The same as <c>ingestion.tailed_files</c>, kept at the top where clients read it first.</param>
/// <param name="Ingestion">Null while discovery is too busy to answer.</param>
public sealed record HealthResponse(
    string Status, string? Reason, string Service, DateTime Timestamp, string AggregatedDir, int RetentionDays,
    IReadOnlyList<string> LogSources, int? TailedFiles, IngestionResponse? Ingestion, string DatabaseProvider, ClusterResponse Cluster);

public sealed record IngestionResponse(int TailedFiles, int Starting, IReadOnlyList<FileProblemResponse> Skipped, IReadOnlyList<FileProblemResponse> Stuck);

/// <summary>A file skipped by discovery, or a tailer stuck or failing, and why.</summary>
public sealed record FileProblemResponse(string Path, string Reason);

/// <param name="Shards">The shard regions' shards and live entities hosted on this node, so an operator sees them spread.</param>
public sealed record ClusterResponse(string Self, string? Leader, IReadOnlyList<MemberResponse> Members, IReadOnlyList<ShardRegionResponse> Shards);

/// <summary>One shard region on this node: how many of its shards live here, and how many entities are awake in them.</summary>
public sealed record ShardRegionResponse(string Region, int Shards, int Entities);

public sealed record MemberResponse(string Address, string Status, IReadOnlyList<string> Roles);

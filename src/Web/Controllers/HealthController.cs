using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using LogAggregator.Configuration;
using LogAggregator.Ingestion;
using LogAggregator.Storage;
using Microsoft.AspNetCore.Mvc;

namespace LogAggregator.Web.Controllers;

[ApiController]
public sealed class HealthController(
    ActorSystem system, LogAggregatorSettings settings, IRequiredActor<SourceDiscovery> discovery, ILogStore store)
    : ControllerBase
{
    /// <summary>
    /// 200 while the store takes writes and every tailer keeps up; 503 "degraded" with the reason while the store
    /// cannot write (a full disk) or a tailer is stuck (its stores not acknowledging) or failing repeatedly.
    /// </summary>
    [HttpGet("/health")]
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

        var stuck = ingestion?.Stuck ?? [];
        var reason = storage.Reason
            ?? (stuck.Count == 0 ? null : "ingestion: " + string.Join("; ", stuck.Select(s => $"{s.Path}: {s.Reason}")));
        var healthy = storage.Healthy && stuck.Count == 0;
        return StatusCode(healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable, new
        {
            status = healthy ? "healthy" : "degraded",
            reason,
            service = "log-aggregator",
            timestamp = DateTime.UtcNow,
            aggregated_dir = settings.AggregatedDir,
            retention_days = settings.RetentionDays,
            log_sources = settings.LogSources,
            tailed_files = ingestion?.TailedFiles,
            ingestion = ingestion is null ? null : new
            {
                tailed_files = ingestion.TailedFiles,
                starting = ingestion.Starting,
                skipped = ingestion.Skipped.Select(f => new { path = f.Path, reason = f.Reason }),
                stuck = stuck.Select(t => new { path = t.Path, reason = t.Reason }),
            },
            database_provider = settings.DatabaseProvider.ToString().ToLowerInvariant(),
            cluster = new
            {
                self = cluster.SelfAddress.ToString(),
                leader = state.Leader?.ToString(),
                members = state.Members.Select(m => new { address = m.Address.ToString(), status = m.Status.ToString(), roles = m.Roles }),
            },
        });
    }
}

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
    /// <summary>200 while the store takes writes; 503 "degraded" with the reason while it does not (a full disk).</summary>
    [HttpGet("/health")]
    public async Task<IActionResult> Get()
    {
        var storage = await store.CheckHealthAsync(HttpContext.RequestAborted);
        var cluster = Cluster.Get(system);
        var state = cluster.State;
        int? tailed = null;
        try
        {
            var actor = await discovery.GetAsync(HttpContext.RequestAborted);
            tailed = (await actor.Ask<SourceDiscoveryProtocol.TailedFilesResponse>(
                SourceDiscoveryProtocol.GetTailedFiles.Instance, TimeSpan.FromSeconds(2), HttpContext.RequestAborted)).Paths.Count;
        }
        catch (AskTimeoutException)
        {
            // Health answers even when discovery is busy; the count is simply left out.
        }

        return StatusCode(storage.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable, new
        {
            status = storage.Healthy ? "healthy" : "degraded",
            reason = storage.Reason,
            service = "log-aggregator",
            timestamp = DateTime.UtcNow,
            aggregated_dir = settings.AggregatedDir,
            retention_days = settings.RetentionDays,
            log_sources = settings.LogSources,
            tailed_files = tailed,
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

using LogAggregator.Storage.Postgres;
using Npgsql;

namespace LogAggregator.Web;

/// <summary>
/// On PostgreSQL, creates the actor state's tables (<see cref="PostgresStateTables"/>) before the actor system starts:
/// registered ahead of Akka's hosted service, and hosted services start one after another. While the database cannot
/// be reached the node waits here, saying so in the log every attempt, instead of starting actors whose journal has no
/// tables.
/// </summary>
public sealed class StateTables(string connectionString, ILogger<StateTables> logger) : IHostedService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromMilliseconds(500);
        while (true)
        {
            try
            {
                await PostgresStateTables.CreateAsync(connectionString, cancellationToken);
                return;
            }
            catch (NpgsqlException e) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Cannot create the actor state's tables in PostgreSQL yet; trying again in {Seconds:0.#} s", backoff.TotalSeconds);
            }

            await Task.Delay(backoff, cancellationToken);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

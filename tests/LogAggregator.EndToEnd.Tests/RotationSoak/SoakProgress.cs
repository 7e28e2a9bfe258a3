using System.Text.Json;

namespace LogAggregator.EndToEnd.Tests.RotationSoak;

/// <summary>What the soaks wait on: the server tailing their files before rotating them, and the counts settling at the end.</summary>
internal static class SoakProgress
{
    /// <summary>The counts are final once they have not moved for this long (over five rescans of the globs).</summary>
    private static readonly TimeSpan Settled = TimeSpan.FromSeconds(6);

    /// <summary>
    /// Lines still missing are waited for longer than a quiet file's poll (ingestion.idle-poll-max, 10 s) and its
    /// rotate-wait (30 s) on a loaded machine: until then a missing line may only be late, not lost.
    /// </summary>
    private static readonly TimeSpan Incomplete = TimeSpan.FromSeconds(45);

    /// <summary>
    /// Waits until discovery tails the live files. The server answers HTTP a few seconds before discovery has
    /// recovered and scanned the globs; a file created and rotated out of the globs in between was never seen by
    /// it, so logrotate waits (the writers keep writing into files the server will find by name or identity).
    /// </summary>
    public static async Task WaitUntilTailingAsync(ServerProcess server, int files)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var health = JsonDocument.Parse(await server.Client.GetStringAsync("/health"));
                // Every remembered file's tailer reading, not only started: a copytruncate before the live file's tailer
                // has recovered its checkpoint would be a second rotation for that file, and a tailer that waits its
                // turn behind hundreds of remembered files has not looked at its file yet.
                if (health.RootElement.TryGetProperty("ingestion", out var ingestion) && ingestion.ValueKind == JsonValueKind.Object
                    && ingestion.GetProperty("tailed_files").GetInt32() >= files && ingestion.GetProperty("starting").GetInt32() == 0)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("the server did not tail the soak's files within 60 s");
    }

    /// <summary>
    /// Polls the per-writer counts until every writer has at least what it wrote and nothing moved for
    /// <see cref="Settled"/> (a later duplicate would have shown by then), or until nothing moved for <see cref="Incomplete"/>
    /// (lines lost: the tally says which). Returns the counts per writer, then all entries.
    /// </summary>
    public static async Task<long[]> SettleAsync(ServerProcess server, IReadOnlyList<SoakWriter> writers)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        var counts = await SoakTally.CountsAsync(server, writers);
        var since = DateTime.UtcNow;
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
            var now = await SoakTally.CountsAsync(server, writers);
            if (!now.SequenceEqual(counts))
            {
                (counts, since) = (now, DateTime.UtcNow);
                continue;
            }

            var complete = writers.Select((w, i) => counts[i] >= w.Written).All(x => x);
            if (DateTime.UtcNow - since >= (complete ? Settled : Incomplete))
            {
                return counts;
            }
        }

        return counts;
    }
}

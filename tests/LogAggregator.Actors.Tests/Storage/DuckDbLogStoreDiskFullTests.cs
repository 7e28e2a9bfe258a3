using System.Diagnostics;
using LogAggregator.Model;
using LogAggregator.Storage;
using LogAggregator.Storage.DuckDb;

namespace LogAggregator.Tests.Storage;

/// <summary>
/// The embedded store on a disk that fills up (a tmpfs the test mounts): a checkpoint that fails there is a FATAL
/// error for DuckDB, which invalidates the database instance; the store must take writes again once space returns.
/// </summary>
public sealed class DuckDbLogStoreDiskFullTests
{
    [SkippableFact]
    public async Task Store_takes_writes_again_after_a_checkpoint_failed_on_a_full_disk_once_space_returns()
    {
        var mount = Path.Combine(Path.GetTempPath(), "duckdb-tmpfs-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(mount);
        var (code, error) = Run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mount);
        if (code != 0)
        {
            Directory.Delete(mount);
        }

        Skip.If(code != 0, $"cannot mount a tmpfs here (mount exited {code}: {error.Trim()})");
        try
        {
            // A small checkpoint threshold, so DuckDB checkpoints (and fails to) while the disk fills.
            var store = new DuckDbLogStore(new DuckDbLogStoreOptions(mount, "64MB", 1, CheckpointThreshold: "256KB"));
            var acknowledged = new List<string>();
            Exception? failure = null;
            for (var batch = 0; batch < 1_000 && failure is null; batch++)
            {
                var entries = Enumerable.Range(0, 20).Select(i => Entry($"fill-{batch}-{i}")).ToList();
                try
                {
                    await store.AppendAsync(entries, []);
                    acknowledged.AddRange(entries.Select(e => Key(e.Message)));
                }
                catch (Exception e)
                {
                    failure = e;
                }
            }

            Assert.NotNull(failure);
            Assert.False((await store.CheckHealthAsync()).Healthy);

            Assert.Equal(0, Run("mount", "-o", "remount,size=64m", mount).Code);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            var health = await store.CheckHealthAsync();
            while (!health.Healthy && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
                health = await store.CheckHealthAsync();
            }

            Assert.True(health.Healthy, $"still degraded after space returned: {health.Reason} (first failure: {failure!.Message})");
            var after = new[] { Entry("after-space-returned") };
            await store.AppendAsync(after, []);
            acknowledged.Add(Key(after[0].Message));

            var stored = (await store.QueryAsync(LogFilter.None, new Paging(100_000, 0))).Entries
                .GroupBy(e => Key(e.Entry.Message)).ToDictionary(g => g.Key, g => g.Count());
            var missing = acknowledged.Where(m => !stored.ContainsKey(m)).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} acknowledged entries missing");
            Assert.True(stored.All(s => s.Value == 1), "an entry is stored twice");
            await store.DisposeAsync();
        }
        finally
        {
            Run("umount", "-l", mount);
            Directory.Delete(mount, recursive: true);
        }
    }

    private static string Key(string message) => message.Split(' ')[0];

    /// <summary>A unique key, then 2 KB of random hex DuckDB cannot compress away.</summary>
    private static LogEntry Entry(string key) =>
        StoreHarness.Entry(key + " " + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(1024)));

    private static (int Code, string Error) Run(string file, params string[] args)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, UseShellExecute = false })!;
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, error);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}

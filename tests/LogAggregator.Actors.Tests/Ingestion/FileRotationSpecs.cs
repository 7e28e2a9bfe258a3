using Akka.Actor;
using LogAggregator.Configuration;
using LogAggregator.Ingestion;
using LogAggregator.Storage;
using LogAggregator.Tests.Storage;

namespace LogAggregator.Tests.Ingestion;

/// <summary>
/// Rotation in the forms logrotate produces, through the node's <see cref="SourceDiscovery"/> and its tailers, on
/// real files and the real DuckDB store. Every line must be stored exactly once.
/// </summary>
public sealed partial class FileRotationSpecs : ActorSpec
{
    private static readonly IngestionSettings Ingestion = new(
        BatchSize: 100, MaxInFlight: 4, ReadChunk: 64 * 1024, PollInterval: TimeSpan.FromMilliseconds(100), IdleFlush: TimeSpan.FromSeconds(1),
        MultiLineWait: TimeSpan.FromMilliseconds(200));

    private readonly IActorRef _agentStores;
    private readonly string _logs;

    public FileRotationSpecs()
    {
        _agentStores = Sys.ActorOf(Props.Create(() => new LocalAgentStores(Store)), "agent-stores");
        _logs = Path.Combine(Root, "logs");
        Directory.CreateDirectory(_logs);
    }

    private LogAggregatorSettings Settings(TimeSpan? collectInterval = null, IngestionSettings? ingestion = null) => new()
    {
        HermesUrl = "http://127.0.0.1:9",
        LogSources = [Path.Combine(_logs, "*.log")],
        AggregatedDir = Root,
        RetentionDays = 7,
        CollectInterval = collectInterval ?? TimeSpan.FromMilliseconds(200),
        RetentionInterval = TimeSpan.FromHours(24),
        AkkaHostname = "node-a",
        AkkaPort = 0,
        SeedNodes = [],
        DatabaseProvider = DatabaseProvider.Embedded,
        DatabaseConnection = "",
        Http = new HttpSettings(1 << 20, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15)),
        Ingestion = ingestion ?? Ingestion,
        DuckDb = new DuckDbSettings("256MB", 1),
        Alerting = ShippedSettings.Value.Alerting,
    };

    private int _discoveries;

    private IActorRef StartDiscovery(TimeSpan? collectInterval = null, IngestionSettings? ingestion = null)
    {
        var settings = Settings(collectInterval, ingestion);
        return Sys.ActorOf(Props.Create(() => new SourceDiscovery(settings, Store, _agentStores)), "source-discovery-" + _discoveries++);
    }

    private void StopAndWait(IActorRef actor)
    {
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor, TimeSpan.FromSeconds(10));
    }

    private string LogPath(string name) => Path.Combine(_logs, name);

    private static IEnumerable<string> Lines(string prefix, int from, int count) =>
        Enumerable.Range(from, count).Select(i => $"INFO - {prefix} {i}");

    private static IEnumerable<string> Messages(string prefix, int from, int count) =>
        Enumerable.Range(from, count).Select(i => $"{prefix} {i}");

    private async Task<List<(string Agent, string Message)>> StoredAsync()
    {
        var all = new List<(string, string)>();
        for (var offset = 0; ; offset += Paging.MaxLimit)
        {
            var page = await Store.QueryAsync(LogFilter.None, new Paging(Paging.MaxLimit, offset));
            all.AddRange(page.Entries.Select(e => (e.Entry.Agent, e.Entry.Message)));
            if (page.Entries.Count < Paging.MaxLimit)
            {
                return all;
            }
        }
    }

    /// <summary>
    /// Waits for <paramref name="marker"/> (written last, after everything expected), then asserts the store holds
    /// exactly the expected messages: a line read twice is stored before the marker that follows it in its file.
    /// </summary>
    private async Task StoredExactlyAsync(IEnumerable<string> expected, string marker)
    {
        var wanted = expected.Order(StringComparer.Ordinal).ToList();
        // The marker closes its own file; other files (a rotated one) have tailers of their own that may finish later,
        // so the wait is for the marker and for as many entries as expected. A missing line shows below as missing.
        try
        {
            await AwaitAssertAsync(async () =>
            {
                var messages = (await StoredAsync()).Select(e => e.Message).ToList();
                Assert.Contains(marker, messages);
                Assert.True(messages.Count - 1 >= wanted.Count);
            }, TimeSpan.FromSeconds(30));
        }
        catch (Xunit.Sdk.XunitException)
        {
            // Fall through to the exact comparison, which says what is missing.
        }

        var stored = (await StoredAsync()).Select(e => e.Message).Where(m => m != marker).Order(StringComparer.Ordinal).ToList();
        Assert.True(wanted.SequenceEqual(stored),
            $"expected {wanted.Count} entries, stored {stored.Count}; missing {string.Join(", ", wanted.Except(stored).Take(5))}; "
            + $"doubled {string.Join(", ", stored.GroupBy(m => m).Where(g => g.Count() > 1).Select(g => g.Key).Take(5))}; "
            + $"unexpected {string.Join(", ", stored.Except(wanted).Take(5))}");
    }

    private Task CountStoredAsync(int count) =>
        AwaitAssertAsync(async () => Assert.Equal(count, (await StoredAsync()).Count), TimeSpan.FromSeconds(30));

    [Fact]
    public async Task A_file_renamed_to_a_name_the_glob_still_matches_keeps_its_checkpoint_and_its_agent()
    {
        await File.WriteAllLinesAsync(LogPath("a6.log"), Lines("old", 0, 1000));
        StartDiscovery();
        await CountStoredAsync(1000);

        File.Move(LogPath("a6.log"), LogPath("a6.1.log"));
        // The writer still holds the renamed file for a moment, as loggers do until they reopen.
        await File.AppendAllLinesAsync(LogPath("a6.1.log"), Lines("late", 0, 10));
        await File.AppendAllLinesAsync(LogPath("a6.1.log"), ["INFO - end marker"]);

        await StoredExactlyAsync([.. Messages("old", 0, 1000), .. Messages("late", 0, 10)], "end marker");
        Assert.All(await StoredAsync(), e => Assert.Equal("A6", e.Agent));
    }

    [Fact]
    public async Task Rapid_rotations_store_every_file_exactly_once()
    {
        // logrotate's `create`: the file is renamed out of the glob and a new one created at once, with no pause in
        // which the tailer could look at the name twice and see the same file.
        var path = LogPath("f.log");
        await File.WriteAllLinesAsync(path, Lines("gen 0 line", 0, 20));
        StartDiscovery();
        var expected = Messages("gen 0 line", 0, 20).ToList();
        for (var generation = 1; generation <= 30; generation++)
        {
            await CountStoredAsync(expected.Count);
            File.Move(path, path + "." + generation);
            // The writer still holds the renamed file for a moment, as loggers do until they reopen.
            await File.AppendAllLinesAsync(path + "." + generation, Lines($"gen {generation - 1} late line", 0, 2));
            expected.AddRange(Messages($"gen {generation - 1} late line", 0, 2));
            await File.WriteAllTextAsync(path, "");
            await File.AppendAllLinesAsync(path, Lines($"gen {generation} line", 0, 20));
            expected.AddRange(Messages($"gen {generation} line", 0, 20));
        }

        await File.AppendAllLinesAsync(path, ["INFO - end marker"]);
        await StoredExactlyAsync(expected, "end marker");
    }

    [Fact]
    public async Task A_copytruncated_file_that_regrew_past_the_old_offset_is_read_from_its_start()
    {
        var path = LogPath("copy.log");
        await File.WriteAllLinesAsync(path, Lines("before", 0, 1000));
        StartDiscovery();
        await CountStoredAsync(1000);

        // copytruncate: copy away, then truncate in place; the writer has already written more than was there.
        File.Copy(path, path + ".1");
        await using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            stream.SetLength(0);
            var regrown = System.Text.Encoding.UTF8.GetBytes(string.Join("\n", Lines("after", 0, 2000)) + "\n");
            await stream.WriteAsync(regrown);
        }

        await File.AppendAllLinesAsync(path, ["INFO - end marker"]);
        await StoredExactlyAsync([.. Messages("before", 0, 1000), .. Messages("after", 0, 2000)], "end marker");
    }

    [SkippableFact]
    public async Task A_file_deleted_and_created_again_on_the_same_inode_is_read_from_its_start()
    {
        var path = LogPath("reuse.log");
        await File.WriteAllLinesAsync(path, Lines("first", 0, 1000));
        var discovery = StartDiscovery();
        await CountStoredAsync(1000);
        var inode = Inode(path);

        File.Delete(path);
        // The inode is free for the next file once the tailer has let go of the deleted one.
        await AwaitAssertAsync(async () => Assert.Empty(
            (await discovery.Ask<SourceDiscoveryProtocol.TailedFilesResponse>(SourceDiscoveryProtocol.GetTailedFiles.Instance)).Paths),
            TimeSpan.FromSeconds(10));
        await File.WriteAllLinesAsync(path, Lines("second", 0, 1500));

        // ext4 hands the freed inode to the next file; elsewhere this case cannot arise.
        Skip.If(Inode(path) != inode, "the file system did not reuse the inode");
        await File.AppendAllLinesAsync(path, ["INFO - end marker"]);
        await StoredExactlyAsync([.. Messages("first", 0, 1000), .. Messages("second", 0, 1500)], "end marker");
    }

    [Fact]
    public async Task A_file_created_and_rotated_before_the_next_scan_is_read()
    {
        // No rescan during the test: only the directory's notifications tell discovery about the files.
        var discovery = StartDiscovery(collectInterval: TimeSpan.FromHours(1));
        // Answered once discovery has started and watches the directory.
        Assert.Empty((await discovery.Ask<SourceDiscoveryProtocol.TailedFilesResponse>(SourceDiscoveryProtocol.GetTailedFiles.Instance)).Paths);
        var path = LogPath("fast.log");
        await File.WriteAllLinesAsync(path, Lines("rotated away", 0, 100));
        File.Move(path, path + ".1");
        await File.WriteAllLinesAsync(path, Lines("current", 0, 10));
        await File.AppendAllLinesAsync(path, ["INFO - end marker"]);

        await StoredExactlyAsync([.. Messages("rotated away", 0, 100), .. Messages("current", 0, 10)], "end marker");
    }

    [Fact]
    public async Task A_file_rotated_while_discovery_was_down_is_finished_from_its_checkpoint()
    {
        var path = LogPath("down.log");
        await File.WriteAllLinesAsync(path, Lines("seen", 0, 100));
        var discovery = StartDiscovery();
        await CountStoredAsync(100);
        StopAndWait(discovery);

        await File.AppendAllLinesAsync(path, Lines("unread tail", 0, 200));
        File.Move(path, path + ".1");
        await File.WriteAllLinesAsync(path, Lines("new file", 0, 50));
        StartDiscovery();

        await File.AppendAllLinesAsync(path, ["INFO - end marker"]);
        await StoredExactlyAsync([.. Messages("seen", 0, 100), .. Messages("unread tail", 0, 200), .. Messages("new file", 0, 50)], "end marker");
    }

    [Fact]
    public async Task A_file_that_took_the_inode_of_a_known_file_while_discovery_was_down_is_read_from_its_start()
    {
        // The soak's create rotation: while the node is down a rotated file is deleted and the new live file gets its
        // inode. Simulated by giving the known file's inode a new content and a new name the glob matches.
        var known = LogPath("b.log");
        await File.WriteAllLinesAsync(known, Lines("first", 0, 100));
        var discovery = StartDiscovery();
        await CountStoredAsync(100);
        StopAndWait(discovery);

        await File.WriteAllLinesAsync(known, Lines("reused", 0, 50));
        File.Move(known, LogPath("a.log"));
        StartDiscovery(TimeSpan.FromHours(1));

        await File.AppendAllLinesAsync(LogPath("a.log"), ["INFO - end marker"]);
        await StoredExactlyAsync([.. Messages("first", 0, 100), .. Messages("reused", 0, 50)], "end marker");
    }

    private static ulong Inode(string path) => ulong.Parse(
        System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%i", path]) { RedirectStandardOutput = true })!
            .StandardOutput.ReadToEnd().Trim(), System.Globalization.CultureInfo.InvariantCulture);
}

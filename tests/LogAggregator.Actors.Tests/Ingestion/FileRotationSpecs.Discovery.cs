using System.Diagnostics;
using Akka.Actor;
using LogAggregator.Ingestion;

namespace LogAggregator.Tests.Ingestion;

/// <summary>What discovery picks up, and when: notifications instead of the collect interval, regular files only.</summary>
public sealed partial class FileRotationSpecs
{
    [Fact]
    public async Task A_file_created_after_start_is_stored_long_before_the_collect_interval()
    {
        var discovery = StartDiscovery(TimeSpan.FromHours(1));
        await discovery.Ask<SourceDiscoveryProtocol.TailedFilesResponse>(SourceDiscoveryProtocol.GetTailedFiles.Instance, TimeSpan.FromSeconds(10));

        await File.WriteAllLinesAsync(LogPath("late.log"), [.. Lines("late", 0, 5), "INFO - end marker"]);

        // The only scan without a notification is an hour away: anything stored within the wait came from one.
        await StoredExactlyAsync(Messages("late", 0, 5), "end marker");
    }

    [Fact]
    public async Task Fifos_matching_the_glob_are_skipped_once_each_and_do_not_block_a_normal_file_written_afterwards()
    {
        // One FIFO per tailer thread (the spec's ingestion dispatcher has two) and one more.
        var fifos = new[] { "x.log", "y.log", "z.log" }.Select(LogPath).ToList();
        foreach (var fifo in fifos)
        {
            MakeFifo(fifo);
        }

        await EventFilter.Warning(contains: "Not tailing").ExpectAsync(fifos.Count, async () =>
        {
            var discovery = StartDiscovery();
            await File.WriteAllLinesAsync(LogPath("normal.log"), [.. Lines("normal", 0, 20), "INFO - end marker"]);
            await StoredExactlyAsync(Messages("normal", 0, 20), "end marker");

            // More scans (notified and periodic) see the FIFOs again: still one warning each.
            await File.WriteAllLinesAsync(LogPath("second.log"), ["INFO - second"]);
            await AwaitAssertAsync(async () => Assert.Contains("second", await StoredMessagesAsync()), TimeSpan.FromSeconds(30));
            await Task.Delay(TimeSpan.FromMilliseconds(600)); // three collect intervals, for the periodic scans

            var health = await discovery.Ask<SourceDiscoveryProtocol.IngestionHealth>(SourceDiscoveryProtocol.GetIngestionHealth.Instance, TimeSpan.FromSeconds(10));
            Assert.Equal(fifos.Order(StringComparer.Ordinal), health.Skipped.Select(s => s.Path));
            Assert.All(health.Skipped, s => Assert.Contains("FIFO", s.Reason));
            Assert.Equal(2, health.TailedFiles);
        }, TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task A_symlink_to_dev_zero_makes_no_entries_while_a_normal_file_next_to_it_is_stored()
    {
        File.CreateSymbolicLink(LogPath("zero.log"), "/dev/zero");
        var discovery = StartDiscovery();

        // Positive control: the normal file next to it is read, and everything stored is its.
        await File.WriteAllLinesAsync(LogPath("normal.log"), [.. Lines("normal", 0, 20), "INFO - end marker"]);
        await StoredExactlyAsync(Messages("normal", 0, 20), "end marker");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(21, (await StoredAsync()).Count);

        var health = await discovery.Ask<SourceDiscoveryProtocol.IngestionHealth>(SourceDiscoveryProtocol.GetIngestionHealth.Instance, TimeSpan.FromSeconds(10));
        var skipped = Assert.Single(health.Skipped);
        Assert.Equal(LogPath("zero.log"), skipped.Path);
        Assert.Contains("symbolic link to a character device", skipped.Reason);
    }

    [Fact]
    public async Task A_file_created_renamed_twice_and_deleted_before_discovery_looked_is_read_from_the_handle_opened_as_it_was_created()
    {
        // logrotate every 200 ms on a busy node: by the time discovery handles a file's notifications, the file has been
        // renamed again and deleted. Discovery is held up here by a blocker on its only thread; only its file-system
        // watcher's thread runs, and what it opened as the notification came must be enough.
        var settings = Settings(TimeSpan.FromHours(1));
        var discovery = Sys.ActorOf(
            Props.Create(() => new SourceDiscovery(settings, Store, _agentStores, null)).WithDispatcher("spec-single-thread-dispatcher"),
            "source-discovery-held");
        await discovery.Ask<SourceDiscoveryProtocol.TailedFilesResponse>(SourceDiscoveryProtocol.GetTailedFiles.Instance, TimeSpan.FromSeconds(10));
        using var release = new SemaphoreSlim(0);
        var blocker = Sys.ActorOf(Props.Create(() => new Blocker(release)).WithDispatcher("spec-single-thread-dispatcher"), "blocker");
        blocker.Tell("block");
        await AwaitConditionAsync(() => Task.FromResult(release.CurrentCount == 0 && Blocker.Blocking), TimeSpan.FromSeconds(10));

        var path = LogPath("brief.log");
        await File.WriteAllLinesAsync(path, [.. Lines("brief", 0, 50), "INFO - end marker"]);
        // The watcher's thread has opened it (an open descriptor of this process names it).
        await AwaitConditionAsync(() => Task.FromResult(OpenHere(path)), TimeSpan.FromSeconds(10));
        File.Move(path, path + ".1");
        File.Move(path + ".1", path + ".2");
        File.Delete(path + ".2");
        release.Release();

        await StoredExactlyAsync(Messages("brief", 0, 50), "end marker");
    }

    private static bool OpenHere(string path) =>
        new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos().Any(fd =>
        {
            try
            {
                return fd.LinkTarget == path;
            }
            catch (IOException)
            {
                return false;
            }
        });

    private sealed class Blocker : ReceiveActor
    {
        public static volatile bool Blocking;

        public Blocker(SemaphoreSlim release) => Receive<string>(_ =>
        {
            Blocking = true;
            release.Wait();
            Blocking = false;
        });
    }

    private static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start("mkfifo", path);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }
}

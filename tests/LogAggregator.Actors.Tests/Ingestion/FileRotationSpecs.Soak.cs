using Akka.Actor;
using LogAggregator.Ingestion;
using System.IO.Compression;

namespace LogAggregator.Tests.Ingestion;

/// <summary>Rotation cases the logrotate soak found (issue 7), each reduced to its essence.</summary>
public sealed partial class FileRotationSpecs
{
    [Fact]
    public async Task Lines_a_copytruncate_took_away_before_they_were_read_are_read_from_the_copy()
    {
        var path = LogPath("ct.log");
        await File.WriteAllLinesAsync(path, Lines("before", 0, 1000));
        StartDiscovery();
        await CountStoredAsync(1000);

        // The writer appended 500 lines, logrotate copied the file and truncated it before the tailer looked again:
        // those 500 exist only in the copy, outside the glob.
        await File.WriteAllLinesAsync(path + ".1", [.. Lines("before", 0, 1000), .. Lines("unread", 0, 500)]);
        await using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            stream.SetLength(0);
        }

        await File.AppendAllLinesAsync(path, [.. Lines("after", 0, 300), "INFO - end marker"]);
        await StoredExactlyAsync([.. Messages("before", 0, 1000), .. Messages("unread", 0, 500), .. Messages("after", 0, 300)], "end marker");
    }

    [Fact]
    public async Task A_file_copytruncated_while_discovery_was_down_is_finished_from_the_copy()
    {
        var path = LogPath("ctdown.log");
        await File.WriteAllLinesAsync(path, Lines("seen", 0, 100));
        var discovery = StartDiscovery();
        await CountStoredAsync(100);
        StopAndWait(discovery);

        await File.WriteAllLinesAsync(path + ".1", [.. Lines("seen", 0, 100), .. Lines("unread tail", 0, 200)]);
        await File.WriteAllLinesAsync(path, Lines("new content", 0, 50));
        StartDiscovery();

        await File.AppendAllLinesAsync(path, ["INFO - end marker"]);
        await StoredExactlyAsync([.. Messages("seen", 0, 100), .. Messages("unread tail", 0, 200), .. Messages("new content", 0, 50)], "end marker");
    }

    [Fact]
    public async Task A_file_rotated_while_down_and_deleted_right_after_the_start_is_finished_though_many_known_files_start_before_it()
    {
        // The soak's restart: discovery remembers far more files than start at once (rotated files within their
        // rotate-wait), and logrotate deletes (or compresses) the file rotated while down soon after the start.
        // Tailed last, the file is the last to be remembered.
        var others = Enumerable.Range(0, 40).Select(i => LogPath($"other{i:00}.log")).ToList();
        foreach (var other in others)
        {
            await File.WriteAllLinesAsync(other, Lines(Path.GetFileName(other), 0, 1));
        }

        var discovery = StartDiscovery();
        await CountStoredAsync(others.Count);
        var path = LogPath("last.log");
        await File.WriteAllLinesAsync(path, Lines("seen", 0, 100));
        await CountStoredAsync(others.Count + 100);
        StopAndWait(discovery);

        await File.AppendAllLinesAsync(path, Lines("unread tail", 0, 200));
        File.Move(path, path + ".1");
        await File.WriteAllLinesAsync(path, Lines("new file", 0, 50));
        discovery = StartDiscovery();
        // Answered once discovery has recovered and started what it starts at once; then the rotated file goes.
        var health = await discovery.Ask<SourceDiscoveryProtocol.IngestionHealth>(SourceDiscoveryProtocol.GetIngestionHealth.Instance, TimeSpan.FromSeconds(10));
        File.Delete(path + ".1");
        // Health tells the tailers still starting (41 files, 32 start at once) until every one of them reads.
        Assert.True(health.Starting >= 41 - 32, $"{health.Starting} starting");
        await AwaitAssertAsync(async () => Assert.Equal(0, (await discovery.Ask<SourceDiscoveryProtocol.IngestionHealth>(
            SourceDiscoveryProtocol.GetIngestionHealth.Instance, TimeSpan.FromSeconds(10))).Starting), TimeSpan.FromSeconds(30));

        await File.AppendAllLinesAsync(path, ["INFO - end marker"]);
        await StoredExactlyAsync(
            [.. others.Select(o => $"{Path.GetFileName(o)} 0"), .. Messages("seen", 0, 100), .. Messages("unread tail", 0, 200), .. Messages("new file", 0, 50)],
            "end marker");
    }

    [Fact]
    public async Task A_content_copytruncated_away_before_the_tailer_read_any_of_it_is_read_from_its_copy_in_turn()
    {
        // The soak's copytruncate every 200 ms: while the tailer finishes one content from its copy (or is down),
        // logrotate copies and truncates the next one too. Each copy is a content of the file; none may be skipped.
        var path = LogPath("twice.log");
        await File.WriteAllLinesAsync(path, Lines("first", 0, 100));
        var discovery = StartDiscovery();
        await CountStoredAsync(100);
        StopAndWait(discovery);

        var written = DateTime.UtcNow;
        await File.WriteAllLinesAsync(path + ".2", [.. Lines("first", 0, 100), .. Lines("first tail", 0, 50)]);
        File.SetLastWriteTimeUtc(path + ".2", written.AddSeconds(-2));
        await File.WriteAllLinesAsync(path + ".1", Lines("second", 0, 80));
        File.SetLastWriteTimeUtc(path + ".1", written.AddSeconds(-1));
        // Another file's copy beside them, as newer: never a content of this file.
        await File.WriteAllLinesAsync(LogPath("other.log.1"), Lines("other", 0, 10));
        await using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            stream.SetLength(0);
        }

        await File.AppendAllLinesAsync(path, Lines("third", 0, 30));
        StartDiscovery();

        await File.AppendAllLinesAsync(path, ["INFO - end marker"]);
        await StoredExactlyAsync(
            [.. Messages("first", 0, 100), .. Messages("first tail", 0, 50), .. Messages("second", 0, 80), .. Messages("third", 0, 30)],
            "end marker");
    }

    [Fact]
    public async Task A_compressed_file_on_the_inode_of_a_file_gone_while_down_is_never_read()
    {
        var path = LogPath("zipped.log");
        await File.WriteAllLinesAsync(path, Lines("plain", 0, 100));
        var discovery = StartDiscovery();
        await CountStoredAsync(100);
        StopAndWait(discovery);

        // While down the file went and gzip's output, a new file outside the glob, got its inode (ext4 hands a freed
        // inode to the next file). Made here by rewriting the file in place under a .gz name: same inode, other content.
        var gz = path + ".1.gz";
        File.Move(path, gz);
        await using (var stream = new GZipStream(new FileStream(gz, FileMode.Truncate, FileAccess.Write), CompressionLevel.Fastest))
        {
            await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(string.Join("\n", Lines("plain", 0, 100)) + "\n"));
        }

        discovery = StartDiscovery();
        // The positive control: a file in the glob is read meanwhile, and the tailer of the deleted file has gone.
        await File.WriteAllLinesAsync(LogPath("other.log"), ["INFO - end marker"]);
        await AwaitAssertAsync(async () => Assert.Equal(
            [LogPath("other.log")],
            (await discovery.Ask<SourceDiscoveryProtocol.TailedFilesResponse>(SourceDiscoveryProtocol.GetTailedFiles.Instance)).Paths),
            TimeSpan.FromSeconds(10));
        await StoredExactlyAsync(Messages("plain", 0, 100), "end marker");
    }

    [Fact]
    public async Task A_rotated_file_whose_notifications_never_led_to_it_is_read_at_the_next_rotation()
    {
        // The soak's create mode on a loaded node: notifications are handled late, and by then the name they report
        // holds a newer file while the one they were about has moved further down the rotation (app.log.2, …). Made
        // here without a watcher: the file is created and rotated on while discovery is down, so nothing ever led to
        // it, and is still within rotate-wait when the next rotation comes.
        var ingestion = Ingestion with { RotateWait = TimeSpan.FromSeconds(30) };
        var path = LogPath("create.log");
        await File.WriteAllLinesAsync(path, Lines("first", 0, 100));
        var discovery = StartDiscovery(ingestion: ingestion);
        await CountStoredAsync(100);
        StopAndWait(discovery);

        // Two rotations: the first file (known) goes to .2, the one between (never seen) to .1.
        File.Move(path, path + ".2");
        await File.WriteAllLinesAsync(path + ".1", Lines("never notified", 0, 70));
        await File.WriteAllLinesAsync(path, Lines("third", 0, 30));
        StartDiscovery(ingestion: ingestion);
        await CountStoredAsync(130);

        // The next rotation, seen as it happens.
        File.Move(path + ".2", path + ".3");
        File.Move(path + ".1", path + ".2");
        File.Move(path, path + ".1");
        await File.WriteAllLinesAsync(path, ["INFO - end marker"]);
        await StoredExactlyAsync([.. Messages("first", 0, 100), .. Messages("never notified", 0, 70), .. Messages("third", 0, 30)], "end marker");
    }
}

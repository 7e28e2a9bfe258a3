using Akka.Event;

namespace LogAggregator.Ingestion;

public static class SourceDiscoveryProtocol
{
    /// <summary>Expand the globs again (every COLLECT_INTERVAL, and when a watched directory gains or loses a name).</summary>
    public sealed class Rescan : IDeadLetterSuppression
    {
        public static readonly Rescan Instance = new();
        private Rescan() { }
    }

    /// <summary>Which files are tailed now (where each was last seen); answered with <see cref="TailedFilesResponse"/>.</summary>
    public sealed class GetTailedFiles
    {
        public static readonly GetTailedFiles Instance = new();
        private GetTailedFiles() { }
    }

    public sealed record TailedFilesResponse(IReadOnlyList<string> Paths);

    /// <summary>How ingestion is doing, for /health; answered with <see cref="IngestionHealth"/>.</summary>
    public sealed class GetIngestionHealth
    {
        public static readonly GetIngestionHealth Instance = new();
        private GetIngestionHealth() { }
    }

    /// <summary>
    /// Files tailed, names matching LOG_SOURCES that are not tailed and why, and tailers in trouble; <paramref name="Starting"/>
    /// counts the files whose tailers are not reading yet (recovering their checkpoint, or waiting their turn to start).
    /// </summary>
    public sealed record IngestionHealth(int TailedFiles, IReadOnlyList<SkippedFile> Skipped, IReadOnlyList<StuckTailer> Stuck, int Starting = 0);

    /// <summary>A name matching LOG_SOURCES that is not tailed: not a regular file (a FIFO, a socket, a device, a directory).</summary>
    public sealed record SkippedFile(string Path, string Reason);

    /// <summary>A tailer whose stores do not acknowledge, or that keeps failing.</summary>
    public sealed record StuckTailer(string Path, string Reason);

    /// <summary>Rescan soon: a watched directory gained or lost a name (bursts of notifications make one scan).</summary>
    internal sealed class RescanSoon : IDeadLetterSuppression
    {
        public static readonly RescanSoon Instance = new();
        private RescanSoon() { }
    }

    /// <summary>Persisted: the file with this identity is tailed and was last seen at <paramref name="Path"/>.</summary>
    public sealed record FileFound(string FileIdentity, string Path);

    /// <summary>Persisted: the file's tailer finished it; its identity needs no tailer any more.</summary>
    public sealed record FileForgotten(string FileIdentity);

    /// <summary>Snapshot of the node's tailed files.</summary>
    public sealed record KnownFiles(IReadOnlyList<FileFound> Files);

    /// <summary>
    /// A file-system notification, raised on a watcher thread and handled in the actor. A name created in the globs, or
    /// renamed out of them, is opened on the watcher thread (<paramref name="Opened"/>): under logrotate every 200 ms it
    /// may be renamed again, or deleted, before the actor gets to look at it.
    /// </summary>
    internal sealed record PathChanged(string Path, bool Created, string? OldPath = null, FileCursor? Opened = null) : IDeadLetterSuppression;
}

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

    /// <summary>Persisted: the file with this identity is tailed and was last seen at <paramref name="Path"/>.</summary>
    public sealed record FileFound(string FileIdentity, string Path);

    /// <summary>Persisted: the file's tailer finished it; its identity needs no tailer any more.</summary>
    public sealed record FileForgotten(string FileIdentity);

    /// <summary>Snapshot of the node's tailed files.</summary>
    public sealed record KnownFiles(IReadOnlyList<FileFound> Files);

    /// <summary>A file-system notification, raised on a watcher thread and handled in the actor.</summary>
    internal sealed record PathChanged(string Path, bool Created, string? OldPath = null) : IDeadLetterSuppression;
}

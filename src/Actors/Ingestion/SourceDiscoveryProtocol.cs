using Akka.Event;

namespace LogAggregator.Ingestion;

public static class SourceDiscoveryProtocol
{
    /// <summary>Expand the globs again (every COLLECT_INTERVAL, and when a watched directory gains a file).</summary>
    public sealed class Rescan : IDeadLetterSuppression
    {
        public static readonly Rescan Instance = new();
        private Rescan() { }
    }

    /// <summary>Which files are tailed now; answered with <see cref="TailedFilesResponse"/>.</summary>
    public sealed class GetTailedFiles
    {
        public static readonly GetTailedFiles Instance = new();
        private GetTailedFiles() { }
    }

    public sealed record TailedFilesResponse(IReadOnlyList<string> Paths);

    /// <summary>A file-system notification, raised on a watcher thread and handled in the actor.</summary>
    internal sealed record PathChanged(string Path, bool Created) : IDeadLetterSuppression;
}

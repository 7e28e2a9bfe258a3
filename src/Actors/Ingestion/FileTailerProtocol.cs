using Akka.Event;
using LogAggregator.Storage;

namespace LogAggregator.Ingestion;

public static class FileTailerProtocol
{
    /// <summary>The fallback poll: read what arrived, notice rotation, flush an idle half-written line.</summary>
    public sealed class Poll : IDeadLetterSuppression
    {
        public static readonly Poll Instance = new();
        private Poll() { }
    }

    /// <summary>A file-system notification for this file (forwarded by <see cref="SourceDiscovery"/>).</summary>
    public sealed class FileChanged : IDeadLetterSuppression
    {
        public static readonly FileChanged Instance = new();
        private FileChanged() { }
    }

    /// <summary>Persisted once the stores acknowledged everything before <paramref name="Offset"/>.</summary>
    public sealed record CheckpointAdvanced(string FileIdentity, int Generation, long Offset);

    /// <summary>The tailer's durable state and snapshot.</summary>
    public sealed record TailerCheckpoint(string? FileIdentity, int Generation, long Offset)
    {
        public static readonly TailerCheckpoint Empty = new(null, 0, 0);

        /// <summary>What the store's marks are keyed by: the file and how often it was truncated.</summary>
        public string? MarkIdentity => FileIdentity is null ? null : $"{FileIdentity}#{Generation}";

        public TailerCheckpoint Apply(CheckpointAdvanced e) => new(e.FileIdentity, e.Generation, e.Offset);
    }

    internal sealed record MarksLoaded(IReadOnlyList<SourceMark> Marks);
}

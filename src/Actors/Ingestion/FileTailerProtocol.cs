using Akka.Event;
using LogAggregator.Storage;

namespace LogAggregator.Ingestion;

public static class FileTailerProtocol
{
    /// <summary>The fallback poll: read what arrived, notice truncation, flush an idle half-written line.</summary>
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

    /// <summary>
    /// From discovery: no name matching LOG_SOURCES leads to the file any more (rotated out of the glob, or deleted).
    /// The tailer reads on until the file has been idle for the idle flush, then finishes and forgets it.
    /// </summary>
    public sealed class FileLeftSources : IDeadLetterSuppression
    {
        public static readonly FileLeftSources Instance = new();
        private FileLeftSources() { }
    }

    /// <summary>From discovery: the file is (again) under a name matching LOG_SOURCES, at <paramref name="Path"/>.</summary>
    public sealed record FileInSources(string Path) : IDeadLetterSuppression;

    /// <summary>To the parent: the tailer has recovered, found its file and reads it (discovery starts a few at a time).</summary>
    public sealed record TailerReady(string FileIdentity);

    /// <summary>
    /// To the parent: the stores have not acknowledged a batch for a while (<paramref name="Problem"/> says since
    /// when), or, with a null problem, they have again.
    /// </summary>
    public sealed record TailerStalled(string FileIdentity, string? Problem);

    /// <summary>To the parent: the tailer finished its file and forgot its checkpoint; nothing of it needs a tailer again.</summary>
    public sealed record TailerFinished(string FileIdentity);

    /// <summary>
    /// Persisted when a tailer starts reading a content from its first byte: a file seen for the first time, or one
    /// truncated or replaced on a reused inode. <paramref name="Generation"/> is random, so the store's marks of one
    /// content never hide lines of another; <paramref name="Path"/> is the name the content was first read under,
    /// which its entries' agent and source come from even after renames.
    /// </summary>
    public sealed record TailedFileStarted(string FileIdentity, long Generation, string Path, Fingerprint Fingerprint);

    /// <summary>
    /// Persisted instead of <see cref="TailedFileStarted"/> when a file first tailed after an upgrade takes over the
    /// per-path checkpoint the previous version kept for the name it was found at (<see cref="LegacyCheckpoints"/>):
    /// reading goes on at <paramref name="Offset"/>, and the lines the old marks cover (<paramref name="Marks"/>,
    /// copied here because nothing keeps the old source key's marks alive) are skipped until they are passed.
    /// </summary>
    public sealed record TailedFileAdopted(
        string FileIdentity, long Generation, string Path, Fingerprint Fingerprint, long Offset, IReadOnlyList<AdoptedMark> Marks);

    /// <summary>An old mark taken over: lines of <paramref name="AgentKey"/> ending at or before <paramref name="EndOffset"/> are stored.</summary>
    public sealed record AdoptedMark(string AgentKey, long EndOffset);

    /// <summary>Persisted once the stores acknowledged everything before <paramref name="Offset"/>.</summary>
    public sealed record TailedFileAdvanced(long Offset, Fingerprint Fingerprint);

    /// <summary>The tailer's durable state and snapshot: which content of the file, its first name, and how far it is stored.</summary>
    public sealed record TailedFileCheckpoint(
        string? FileIdentity, long Generation, string? Path, Fingerprint Fingerprint, long Offset, IReadOnlyList<AdoptedMark>? Adopted = null)
    {
        public static readonly TailedFileCheckpoint Empty = new(null, 0, null, Fingerprint.Empty, 0);

        /// <summary>What the store's marks are keyed by: the file and which content of it.</summary>
        public string MarkIdentity => $"{FileIdentity}#{Generation:x}";

        public TailedFileCheckpoint Apply(TailedFileStarted e) => new(e.FileIdentity, e.Generation, e.Path, e.Fingerprint, 0);

        public TailedFileCheckpoint Apply(TailedFileAdopted e) => new(e.FileIdentity, e.Generation, e.Path, e.Fingerprint, e.Offset, e.Marks);

        public TailedFileCheckpoint Apply(TailedFileAdvanced e) => this with { Offset = e.Offset, Fingerprint = e.Fingerprint };
    }

    internal sealed record MarksLoaded(IReadOnlyList<SourceMark> Marks);
}

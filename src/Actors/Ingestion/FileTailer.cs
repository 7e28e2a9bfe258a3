using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using LogAggregator.Configuration;
using LogAggregator.Storage;
using LogAggregator.Telemetry;
using static LogAggregator.Ingestion.FileTailerProtocol;
using static LogAggregator.Storage.AgentStoreProtocol;

namespace LogAggregator.Ingestion;

/// <summary>
/// Tails one file, known by its identity (device and inode), whatever it is named: reads whole lines through its
/// <see cref="FileCursor"/>, assembles and parses them into entries, sends them in batches
/// (<see cref="FileTailerBatches"/>) and checkpoints (content, offset) only after every store acknowledged them.
/// The store commits a <see cref="SourceMark"/> with each batch, so after a crash between that commit and the
/// checkpoint the lines already stored are skipped. A content replaced under the same identity (truncation, even one
/// regrown past the old offset, or a reused inode) is read again from 0 as a new generation. Told by discovery that
/// no name in LOG_SOURCES leads to the file any more, the tailer reads on until the file is idle, then forgets it.
/// States: Starting (marks loading) → Tailing ⇄ Draining (then a new generation, or the file is forgotten).
/// </summary>
public sealed class FileTailer : ReceivePersistentActor, IWithTimers
{
    private const int SnapshotEvery = 500;
    private const int ChunksPerTurn = 8;
    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Unacknowledged this long, the tailer shows as stuck in /health (and fails at <see cref="AckTimeout"/>).</summary>
    private static readonly TimeSpan StallAfter = TimeSpan.FromSeconds(15);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _identity;
    private readonly string _pathHint;
    private readonly string _nodeName;
    private readonly string _sourceKey;
    private readonly IngestionSettings _settings;
    private readonly ILogStore _store;
    private readonly TimeProvider _clock;
    private readonly HandedOverCursor? _handedOver;
    private readonly FileTailerBatches _batches;
    private readonly List<FileLine> _lines = [];
    private readonly Dictionary<string, long> _committedMarks = new(StringComparer.Ordinal);
    private readonly TailerLag.Gauge _lag = TailerLag.Register();

    private TailedFileCheckpoint _checkpoint = TailedFileCheckpoint.Empty;
    private FileCursor? _cursor;
    private FileCursor? _copy;

    /// <summary>The content last finished from its copy: another copy made after it holds a content never read.</summary>
    private (DateTime WrittenAt, Fingerprint Fingerprint)? _finishedCopy;

    /// <summary>
    /// The copy finished last, kept while the content that followed it has shown none of its bytes: a truncation of
    /// an empty-looking content cannot be seen in the file, only in a newer copy.
    /// </summary>
    private (DateTime WrittenAt, Fingerprint Fingerprint)? _lastCopy;
    private MultiLineAssembler? _assembler;
    private TailedAgents? _agents;
    private DateTimeOffset _lastDataAt;
    private TailedFileAdvanced? _unwrittenCheckpoint;
    private bool _writingCheckpoint;
    private bool _leaving;
    private bool _readSincePoll;
    private bool _reportedStall;
    private TimeSpan _pollDelay;

    public FileTailer(
        string identity, string path, string nodeName, IngestionSettings settings, ILogStore store, IActorRef agentStores,
        TimeProvider? clock = null, HandedOverCursor? handedOver = null)
    {
        _identity = identity;
        _pathHint = path;
        _nodeName = nodeName;
        _sourceKey = $"{nodeName}|{identity}";
        _settings = settings;
        _store = store;
        _clock = clock ?? TimeProvider.System;
        _handedOver = handedOver;
        _batches = new FileTailerBatches(settings, _clock, agentStores);
        _lastDataAt = _clock.GetUtcNow();
        PersistenceId = $"file-tailer-{_sourceKey}";

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is TailedFileCheckpoint checkpoint)
            {
                _checkpoint = checkpoint;
            }
        });
        Recover<TailedFileStarted>(e => _checkpoint = _checkpoint.Apply(e));
        Recover<TailedFileAdopted>(e => _checkpoint = _checkpoint.Apply(e));
        Recover<TailedFileAdvanced>(e => _checkpoint = _checkpoint.Apply(e));
        // Not OnReplaySuccess: nothing may be persisted before recovery has completed.
        Recover<RecoveryCompleted>(_ => Begin());
        CommandAny(_ => Stash.Stash());
    }

    public override string PersistenceId { get; }

    public ITimerScheduler Timers { get; set; } = null!;

    private string FilePath => _checkpoint.Path ?? _pathHint;

    /// <param name="identity">The file's <see cref="FileStatus.Identity"/>; the tailer reads that file only.</param>
    /// <param name="path">Where the file was last seen; if another file is there now, it is looked for in that directory.</param>
    /// <param name="handedOver">The file, if discovery already opened it (see <see cref="OpenFor"/>).</param>
    public static Props Props(
        string identity, string path, string nodeName, IngestionSettings settings, ILogStore store, IActorRef agentStores,
        TimeProvider? clock = null, HandedOverCursor? handedOver = null) =>
        Akka.Actor.Props.Create(() => new FileTailer(identity, path, nodeName, settings, store, agentStores, clock, handedOver));

    /// <summary>Opens the file at <paramref name="path"/> (if it is the one with <paramref name="identity"/>), as a tailer reads it.</summary>
    public static FileCursor? OpenFor(string path, string? identity, IngestionSettings settings) =>
        FileCursor.OpenAt(path, identity, MaxLineBytesOf(settings), settings.ReadChunk);

    protected override void PreStart()
    {
        // Before recovery, which takes seconds on a busy node: logrotate may rename, compress or delete the file
        // meanwhile, and only a handle already open keeps its unread lines readable (the kernel keeps a deleted
        // file's data while a handle is open). Begin checks the file against the checkpoint once it is known. Discovery
        // may have opened it already, when it had to wait its turn to start.
        _cursor = _handedOver?.Take() ?? FileCursor.Open(_pathHint, _identity, MaxLineBytes, _settings.ReadChunk);
        base.PreStart();
    }

    private void Begin()
    {
        var checkpointed = _checkpoint.FileIdentity == _identity;
        if (_cursor is { } found && found.Path != _pathHint && checkpointed && !found.StartsLike(_checkpoint.Fingerprint))
        {
            // Found under another name by its inode alone, with other content: a file that reused the inode of ours
            // after ours was deleted. Ours is gone; that one is not ours to read.
            _log.Info("{Path} has the inode of {Identity} but not its content; not reading it", found.Path, _identity);
            found.Dispose();
            _cursor = null;
        }

        if (_cursor is null)
        {
            _log.Info("{Path} ({Identity}) is nowhere to be found; forgetting it", _pathHint, _identity);
            Forget();
            return;
        }

        _pollDelay = _settings.PollInterval;
        Timers.StartSingleTimer("poll", Poll.Instance, _pollDelay);
        if (checkpointed && _cursor.StartsLike(_checkpoint.Fingerprint) && _cursor.Length >= _checkpoint.Offset)
        {
            _cursor.Seek(_checkpoint.Offset);
            Resume();
            return;
        }

        if (checkpointed && RotatedCopyFinder.Find(_cursor, _checkpoint.Fingerprint, _checkpoint.Offset, MaxLineBytes, _settings.ReadChunk) is { } copy)
        {
            // Truncated by copytruncate while the node was down: the checkpointed content's tail is in the copy.
            _log.Info("{Path} was truncated while down; finishing it from its copy {Copy}", _cursor.Path, copy.Path);
            _copy = copy;
            Resume();
            return;
        }

        if (_checkpoint.FileIdentity is not null)
        {
            _log.Info("{Path} is not the content checkpointed (truncated or replaced meanwhile); reading it from 0", _cursor.Path);
            StartGeneration();
            return;
        }

        // Never tailed under this identity: maybe the previous version tailed it by its name.
        Context.Watch(Context.ActorOf(LegacyCheckpoints.Reader.Props(_nodeName, _pathHint), "legacy-checkpoint"));
        Become(Adopting);
    }

    /// <summary>
    /// First start for this identity: the checkpoint and the store's marks the previous version kept for the name
    /// the file was found at are taken over when they are of this very file (same device and inode), so an upgrade
    /// over an existing data directory reads no line twice.
    /// </summary>
    private void Adopting()
    {
        LegacyCheckpoints.TailerCheckpoint? legacy = null;
        Command<LegacyCheckpoints.Recovered>(recovered =>
        {
            Context.Unwatch(Sender);
            legacy = recovered.Checkpoint;
            _store.GetMarksAsync(LegacyCheckpoints.SourceKey(_nodeName, _pathHint)).PipeTo(Self, success: marks => new MarksLoaded(marks));
        });
        Command<Terminated>(_ =>
        {
            // The old journal could not be recovered: the old marks alone still keep stored lines from coming twice.
            _log.Warning("The previous version's checkpoint of {Path} is unreadable; relying on its marks", _pathHint);
            legacy = LegacyCheckpoints.TailerCheckpoint.Empty;
            _store.GetMarksAsync(LegacyCheckpoints.SourceKey(_nodeName, _pathHint)).PipeTo(Self, success: marks => new MarksLoaded(marks));
        });
        Command<MarksLoaded>(loaded => Adopt(legacy!, loaded.Marks));
        Command<Status.Failure>(failure => throw new IOException($"cannot read the store's old marks for {_pathHint}", failure.Cause));
        CommandAny(_ => Stash.Stash());
    }

    private void Adopt(LegacyCheckpoints.TailerCheckpoint legacy, IReadOnlyList<SourceMark> marks)
    {
        var reader = Context.Child("legacy-checkpoint");
        var ours = legacy.FileIdentity == _identity;
        var generation = ours
            ? legacy.Generation
            : marks.Select(m => m.FileIdentity.Split('#')).Where(p => p.Length == 2 && p[0] == _identity && int.TryParse(p[1], out _))
                .Select(p => (int?)int.Parse(p[1])).Max();
        var offset = ours ? legacy.Offset : 0;
        var markIdentity = $"{_identity}#{generation}";
        var adopted = marks.Where(m => m.FileIdentity == markIdentity).Select(m => new AdoptedMark(m.AgentKey, m.EndOffset)).ToList();
        var length = _cursor!.Length;
        if (generation is null || length < offset || adopted.Any(m => m.EndOffset > length))
        {
            if (generation is not null)
            {
                _log.Info("{Path} is shorter than the previous version's checkpoint (truncated meanwhile); reading it from 0", _cursor.Path);
            }

            if (!reader.IsNobody())
            {
                Context.Stop(reader);
            }

            StartGeneration();
            return;
        }

        _cursor.Refingerprint();
        var taken = new TailedFileAdopted(_identity, Random.Shared.NextInt64(1, long.MaxValue), _cursor.Path, _cursor.Fingerprint, offset, adopted);
        Persist(taken, persisted =>
        {
            _checkpoint = _checkpoint.Apply(persisted);
            SnapshotNow();
            reader.Tell(LegacyCheckpoints.Delete.Instance);
            _log.Info("{Path} ({Identity}): taking over the previous version's checkpoint at offset {Offset} and {Marks} marks",
                _cursor.Path, _identity, offset, adopted.Count);
            _committedMarks.Clear();
            foreach (var mark in adopted)
            {
                _committedMarks[mark.AgentKey] = mark.EndOffset;
            }

            _cursor.Seek(offset);
            BeginReading(offset);
        });
    }

    /// <summary>Reading goes on from the checkpoint, once the store's marks say what of the rest is already stored.</summary>
    private void Resume()
    {
        _store.GetMarksAsync(_sourceKey).PipeTo(Self, success: marks => new MarksLoaded(marks));
        Become(Starting);
    }

    private void Starting()
    {
        Command<MarksLoaded>(loaded =>
        {
            var marks = loaded.Marks.Where(m => m.FileIdentity == _checkpoint.MarkIdentity).Select(m => (m.AgentKey, m.EndOffset));
            foreach (var (agent, end) in marks.Concat(_checkpoint.Adopted?.Select(m => (m.AgentKey, m.EndOffset)) ?? []))
            {
                _committedMarks[agent] = Math.Max(end, _committedMarks.GetValueOrDefault(agent));
            }

            BeginReading(_checkpoint.Offset);
        });
        Command<Status.Failure>(failure => throw new IOException($"cannot read the store's marks for {FilePath}", failure.Cause));
        CommandAny(_ => Stash.Stash());
    }

    private void Tailing()
    {
        Command<FileChanged>(_ =>
        {
            ReadAvailable();
            if (_pollDelay > _settings.PollInterval)
            {
                // Written to after a quiet spell: watch closely again.
                _pollDelay = _settings.PollInterval;
                Timers.StartSingleTimer("poll", Poll.Instance, _pollDelay);
            }
        });
        Command<Poll>(_ =>
        {
            OnPoll();
            NextPoll();
        });
        Command<StoreEntriesResult>(result =>
        {
            if (Stored(result))
            {
                ReadAvailable();
            }
        });
        CommonCommands();
    }

    /// <summary>
    /// Everything read is sent; once every batch is acknowledged, <paramref name="drained"/> runs: the next generation
    /// when the content was replaced (starting over), forgetting the file when it is finished.
    /// </summary>
    private void DrainThen(Action drained)
    {
        Become(() => Draining(drained));
        if (_batches.Empty)
        {
            drained();
        }
    }

    private void Draining(Action drained)
    {
        Command<FileChanged>(_ => { });
        Command<Poll>(_ =>
        {
            CheckAckDeadline();
            NextPoll();
        });
        Command<StoreEntriesResult>(result =>
        {
            if (Stored(result) && _batches.Empty)
            {
                drained();
            }
        });
        CommonCommands();
    }

    private void CommonCommands()
    {
        Command<FileLeftSources>(_ => _leaving = true);
        Command<FileInSources>(_ => _leaving = false);
        Command<SaveSnapshotSuccess>(saved =>
        {
            DeleteMessages(saved.Metadata.SequenceNr);
            DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
        });
        Command<SaveSnapshotFailure>(failed => _log.Warning(failed.Cause, "Snapshot of {Path} failed", FilePath));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteMessagesFailure>(failed => _log.Warning(failed.Cause, "Deleting old checkpoints of {Path} failed", FilePath));
        Command<DeleteSnapshotsFailure>(_ => { });
    }

    /// <summary>A content read from its first byte under a fresh generation, so no mark of another content applies.</summary>
    private void StartGeneration()
    {
        _unwrittenCheckpoint = null;
        var finished = _finishedCopy;
        _finishedCopy = null;
        if (finished is { } after && RotatedCopyFinder.FindNext(_cursor!, after.WrittenAt, after.Fingerprint, MaxLineBytes, _settings.ReadChunk) is { } next)
        {
            // Truncated again before any of the content that followed was read (copytruncate twice within one store
            // round trip, or while down): that content exists only in the next copy, read whole as a content of its own.
            _log.Info("{Path} was truncated again before its next content was read; reading that from its copy {Copy}", _cursor!.Path, next.Path);
            _copy = next;
            _lastCopy = null;
            var fromCopy = new TailedFileStarted(_identity, Random.Shared.NextInt64(1, long.MaxValue), _cursor.Path, next.Fingerprint);
            Persist(fromCopy, persisted =>
            {
                Applied(persisted);
                _committedMarks.Clear();
                BeginReading(0);
            });
            return;
        }

        _cursor!.Refingerprint();
        _lastCopy = finished;
        var started = new TailedFileStarted(_identity, Random.Shared.NextInt64(1, long.MaxValue), _cursor.Path, _cursor.Fingerprint);
        Persist(started, persisted =>
        {
            Applied(persisted);
            _committedMarks.Clear();
            _cursor.Seek(0);
            BeginReading(0);
        });
    }

    private void BeginReading(long offset)
    {
        _assembler = new MultiLineAssembler(FilePath, offset, _clock);
        _agents = new TailedAgents(FilePath, _settings, _store, _log);
        _batches.Reset(offset);
        _log.Debug("Tailing {Path} ({Identity}) from offset {Offset}", _cursor!.Path, _identity, offset);
        Context.Parent.Tell(new TailerReady(_identity));
        Become(Tailing);
        Stash.UnstashAll();
        Self.Tell(FileChanged.Instance);
    }

    /// <summary>Reads what the window has room for; false when the content turned out replaced (now draining).</summary>
    private bool ReadAvailable()
    {
        if (_copy is null && _lastCopy is { } last && MissedContent(last))
        {
            _log.Info("{Path} was truncated again before any of its content was seen; reading that content from its copy", _cursor!.Path);
            _finishedCopy = last;
            _lastCopy = null;
            StartOver();
            return false;
        }

        if (_copy is null && _cursor!.Check() == FileCheck.Replaced)
        {
            _copy = RotatedCopyFinder.Find(_cursor, _cursor.Fingerprint, _cursor.Reader.Position, MaxLineBytes, _settings.ReadChunk);
            if (_copy is null)
            {
                _log.Info("{Path} was truncated or replaced; reading it again from 0", _cursor.Path);
                StartOver();
                return false;
            }

            _log.Info("{Path} was truncated; reading what was not read yet from its copy {Copy}", _cursor.Path, _copy.Path);
        }

        var reader = Reading.Reader;
        for (var turn = 0; turn < ChunksPerTurn; turn++)
        {
            _batches.SendFull(Send());
            if (_batches.Full)
            {
                return true;
            }

            _lines.Clear();
            bool more;
            try
            {
                more = reader.ReadLines(_lines);
            }
            catch (IOException e)
            {
                _log.Warning("Reading {Path} failed, retrying at the next poll: {Error}", Reading.Path, e.Message);
                return true;
            }

            if (!more)
            {
                if (_copy is not null)
                {
                    // The copy is complete (logrotate copied it before truncating): its tail is the last of this content.
                    FlushPartialLine();
                    _finishedCopy = _copy.WrittenAt is { } written ? (written, _checkpoint.Fingerprint) : null;
                    _copy.Dispose();
                    _copy = null;
                    StartOver();
                    return false;
                }

                _batches.SendPending(Send());
                return true;
            }

            _lastDataAt = _clock.GetUtcNow();
            _readSincePoll = true;
            Assemble();
        }

        // More may be waiting: continue after the acknowledgements queued meanwhile.
        Self.Tell(FileChanged.Instance);
        return true;
    }

    /// <summary>
    /// Whether, while this content has shown none of its bytes (it began empty: copytruncate with the writer paused),
    /// a content came, was copied and truncated away: a copy newer than the last one finished that is not a copy of
    /// what the file holds now. Once the content shows bytes, a truncation changes its first bytes and is seen.
    /// </summary>
    private bool MissedContent((DateTime WrittenAt, Fingerprint Fingerprint) last)
    {
        if (_cursor!.Fingerprint.Length > 0 || _cursor.Reader.Position > 0)
        {
            _lastCopy = null;
            return false;
        }

        if (_cursor.Length == 0 || RotatedCopyFinder.FindNext(_cursor, last.WrittenAt, last.Fingerprint, MaxLineBytes, _settings.ReadChunk) is not { } missed)
        {
            return false;
        }

        missed.Dispose();
        return true;
    }

    /// <summary>What is left of this content is stored, then its replacement is read from 0.</summary>
    private void StartOver()
    {
        FlushAssembler();
        _batches.SendPending(Send(), all: true);
        DrainThen(StartGeneration);
    }

    /// <summary>The file being read: the copy of a truncated content while its tail is finished, else the file itself.</summary>
    private FileCursor Reading => _copy ?? _cursor!;

    private void OnPoll()
    {
        if (!ReadAvailable())
        {
            return;
        }

        var reader = Reading.Reader;
        _lag.Set(reader.Lag);

        // Idle means the file stopped growing, not that this tailer stopped reading: one held back by
        // unacknowledged batches has unread lines, and the rest of a half-seen stack trace among them.
        var idle = reader.CaughtUp ? _clock.GetUtcNow() - _lastDataAt : TimeSpan.Zero;
        if (idle >= _settings.FinishAfter && (_leaving || _cursor!.Unlinked))
        {
            // Nothing leads here any more and nobody writes: what remains is stored, then the file is forgotten.
            FlushPartialLine();
            FlushAssembler();
            _batches.SendPending(Send(), all: true);
            DrainThen(Forget);

            return;
        }

        if (idle >= _settings.IdleFlush && reader.HasPartialLine)
        {
            FlushPartialLine();
            FlushAssembler();
            _batches.SendPending(Send());
        }
        else if (idle >= _settings.MultiLineWait && _assembler!.PendingStartOffset is not null)
        {
            // Loggers write a record and its stack trace in one go: a short pause means the entry is complete.
            FlushAssembler();
            _batches.SendPending(Send());
        }

        CheckAckDeadline();
    }

    /// <summary>
    /// The fallback poll backs off while the file is quiet (nothing read since the last poll, nothing half-read or
    /// waiting for acknowledgement), doubling up to <see cref="IngestionSettings.PollBackoffMax"/>: thousands of idle
    /// files cost almost nothing, and a notification (<see cref="FileChanged"/>) or new data resets it.
    /// </summary>
    private void NextPoll()
    {
        var quiet = !_readSincePoll && _batches.Empty && _cursor?.Reader is { HasPartialLine: false, CaughtUp: true }
            && _assembler?.PendingStartOffset is null;
        _readSincePoll = false;
        if (quiet)
        {
            _cursor!.Reader.Trim();
        }

        var doubled = _pollDelay + _pollDelay;
        _pollDelay = !quiet ? _settings.PollInterval : doubled < _settings.PollBackoffMax ? doubled : _settings.PollBackoffMax;
        Timers.StartSingleTimer("poll", Poll.Instance, _pollDelay);
    }

    private void Assemble()
    {
        foreach (var line in _lines)
        {
            if (_assembler!.Add(line.Text, line.EndOffset) is { } completed)
            {
                AddEntry(completed);
            }
        }
    }

    private void FlushPartialLine()
    {
        _lines.Clear();
        Reading.Reader.ReadPartial(_lines);
        Assemble();
    }

    private void FlushAssembler()
    {
        if (_assembler?.Flush() is { } completed)
        {
            AddEntry(completed);
        }
    }

    private void AddEntry(ParsedEntry parsed)
    {
        // Before the marks are consulted: a line of a refused agent is stored, and marked, under the file's agent.
        var entry = _agents!.Admit(parsed.Entry);

        // Stored before a crash that came before our checkpoint: the store's mark says so.
        if (_committedMarks.TryGetValue(entry.AgentKey, out var committed) && parsed.EndOffset <= committed)
        {
            return;
        }

        _batches.Add(ReferenceEquals(entry, parsed.Entry) ? parsed : parsed with { Entry = entry });
    }

    /// <summary>Where the batches go; the safe offset is the start of an entry still being assembled, else past the last line.</summary>
    private FileTailerBatches.SendContext Send() =>
        new(_sourceKey, _checkpoint.MarkIdentity, _assembler!.CheckpointOffset, Self, Advance);

    /// <summary>Counts an acknowledgement; false for an answer to an earlier incarnation.</summary>
    private bool Stored(StoreEntriesResult result)
    {
        if (!_batches.Knows(result.BatchId))
        {
            return false;
        }

        if (!result.Succeeded)
        {
            // Restarting re-reads from the checkpoint; the marks keep what did commit from coming twice.
            throw new IOException($"the store of {result.AgentKey} did not take lines of {FilePath}: {result.Error}");
        }

        if (_batches.Acknowledge(result) is { } offset)
        {
            Advance(offset);
        }

        ReportStall();

        return true;
    }

    private void Advance(long offset)
    {
        // While a truncated content's tail is read from its copy, the file itself already starts like its successor.
        _unwrittenCheckpoint = new TailedFileAdvanced(offset, _copy is null ? _cursor!.Fingerprint : _checkpoint.Fingerprint);
        WriteCheckpoint();
    }

    /// <summary>
    /// Writes the newest acknowledged position, one write at a time and without holding up reading: while a
    /// write is under way, later positions replace each other and only the last is written after it.
    /// </summary>
    private void WriteCheckpoint()
    {
        if (_writingCheckpoint || _unwrittenCheckpoint is not { } next)
        {
            return;
        }

        _unwrittenCheckpoint = null;
        if (next.Offset == _checkpoint.Offset && next.Fingerprint == _checkpoint.Fingerprint)
        {
            return;
        }

        _writingCheckpoint = true;
        PersistAsync(next, persisted =>
        {
            _writingCheckpoint = false;
            Applied(persisted);
            WriteCheckpoint();
        });
    }

    private void Applied(TailedFileStarted persisted)
    {
        _checkpoint = _checkpoint.Apply(persisted);
        SnapshotNow();
    }

    private void Applied(TailedFileAdvanced persisted)
    {
        _checkpoint = _checkpoint.Apply(persisted);
        SnapshotNow();
    }

    private void SnapshotNow()
    {
        if (LastSequenceNr % SnapshotEvery == 0)
        {
            SaveSnapshot(_checkpoint);
        }
    }

    /// <summary>Deletes the checkpoint (nothing of the file needs it any more), tells discovery, and stops.</summary>
    private void Forget()
    {
        _log.Info("Finished {Path} ({Identity}); its tailer stops", _cursor?.Path ?? _pathHint, _identity);
        if (LastSequenceNr > 0)
        {
            DeleteMessages(LastSequenceNr);
            DeleteSnapshots(SnapshotSelectionCriteria.Latest);
        }

        Context.Parent.Tell(new TailerFinished(_identity));
        Context.Stop(Self);
    }

    private void CheckAckDeadline()
    {
        if (_batches.OldestSentAt is { } sentAt && _clock.GetUtcNow() - sentAt > AckTimeout)
        {
            throw new TimeoutException($"the stores did not acknowledge lines of {FilePath} within {AckTimeout}");
        }

        ReportStall();
    }

    /// <summary>Tells discovery (for /health) when the stores start or stop keeping this tailer waiting.</summary>
    private void ReportStall()
    {
        var waited = _batches.OldestSentAt is { } sentAt ? _clock.GetUtcNow() - sentAt : TimeSpan.Zero;
        if (waited > StallAfter != _reportedStall)
        {
            _reportedStall = !_reportedStall;
            Context.Parent.Tell(new TailerStalled(_identity, _reportedStall
                ? $"the stores have not acknowledged lines of {FilePath} for {waited.TotalSeconds:0} s (the tailer restarts at {AckTimeout.TotalSeconds:0} s)"
                : null));
        }
    }

    /// <summary>
    /// <c>ingestion.max-line-bytes</c>, never below four bytes per character of the message limit, so a line the
    /// reader cuts is always over that limit in characters too, and the parser marks it truncated in its metadata.
    /// </summary>
    private int MaxLineBytes => MaxLineBytesOf(_settings);

    private static int MaxLineBytesOf(IngestionSettings settings) => Math.Max(settings.MaxLineBytes, EntryLimits.MaxMessageLength * 4);

    protected override void PostStop()
    {
        _handedOver?.Dispose();
        _lag.Dispose();
        _copy?.Dispose();
        _cursor?.Dispose();
        base.PostStop();
    }
}

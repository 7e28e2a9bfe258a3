using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using LogAggregator.Configuration;
using LogAggregator.Model;
using LogAggregator.Storage;
using LogAggregator.Telemetry;
using static LogAggregator.Ingestion.FileTailerProtocol;
using static LogAggregator.Storage.AgentStoreProtocol;

namespace LogAggregator.Ingestion;

/// <summary>
/// Tails one file: reads whole lines, parses them into entries, sends them in batches to the agent stores and
/// checkpoints (file identity, offset) only after every store acknowledged the batch. The store also commits a
/// <see cref="SourceMark"/> with each batch, so after a crash between that commit and the checkpoint the
/// lines already stored are recognised and skipped: a restart neither loses nor duplicates lines.
/// Truncation restarts at 0; a new file under the same name is read after the old one is finished; a file
/// that vanishes is finished and the tailer stops.
/// </summary>
public sealed class FileTailer : ReceivePersistentActor, IWithTimers
{
    private const int SnapshotEvery = 500;
    private const int ChunksPerTurn = 8;
    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(60);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _path;
    private readonly string _sourceKey;
    private readonly IngestionSettings _settings;
    private readonly ILogStore _store;
    private readonly IActorRef _agentStores;
    private readonly List<FileLine> _lines = [];
    private readonly List<ParsedEntry> _parsed = [];
    private readonly List<ParsedEntry> _pending = [];
    private readonly LinkedList<InFlightBatch> _inFlight = [];
    private readonly Dictionary<string, long> _committedMarks = new(StringComparer.Ordinal);
    private readonly TailerLag.Gauge _lag = TailerLag.Register();
    private readonly TailedAgents _agents;

    private TailerCheckpoint _checkpoint = TailerCheckpoint.Empty;
    private TailerCheckpoint _reading = TailerCheckpoint.Empty;
    private LineReader? _reader;
    private MultiLineAssembler _assembler;
    private long _nextBatchId = Random.Shared.NextInt64(1, long.MaxValue / 2);
    private long _lastDispatchedOffset = -1;
    private DateTime _lastDataAt = DateTime.UtcNow;
    private Action? _afterDrain;
    private TailerCheckpoint? _unwrittenCheckpoint;
    private bool _writingCheckpoint;

    public FileTailer(string path, string nodeName, IngestionSettings settings, ILogStore store, IActorRef agentStores)
    {
        _path = path;
        _sourceKey = $"{nodeName}|{path}";
        _settings = settings;
        _store = store;
        _agentStores = agentStores;
        _assembler = NewAssembler();
        _agents = new TailedAgents(path, settings, store, _log);
        PersistenceId = $"file-tailer-{_sourceKey}";

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is TailerCheckpoint checkpoint)
            {
                _checkpoint = checkpoint;
            }
        });
        Recover<CheckpointAdvanced>(e => _checkpoint = _checkpoint.Apply(e));
        CommandAny(_ => Stash.Stash());
    }

    public override string PersistenceId { get; }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string path, string nodeName, IngestionSettings settings, ILogStore store, IActorRef agentStores) =>
        Akka.Actor.Props.Create(() => new FileTailer(path, nodeName, settings, store, agentStores));

    protected override void OnReplaySuccess()
    {
        if (!Open())
        {
            Context.Stop(Self);
            return;
        }

        _store.GetMarksAsync(_sourceKey).PipeTo(Self, success: marks => new MarksLoaded(marks));
        Become(Starting);
    }

    private void Starting()
    {
        Command<MarksLoaded>(loaded =>
        {
            foreach (var mark in loaded.Marks.Where(m => m.FileIdentity == _reading.MarkIdentity))
            {
                _committedMarks[mark.AgentKey] = mark.EndOffset;
            }

            Timers.StartPeriodicTimer("poll", Poll.Instance, _settings.PollInterval);
            Become(Tailing);
            Stash.UnstashAll();
            Self.Tell(FileChanged.Instance);
        });
        Command<Status.Failure>(failure => throw new IOException($"cannot read the store's marks for {_path}", failure.Cause));
        CommandAny(_ => Stash.Stash());
    }

    private void Tailing()
    {
        Command<FileChanged>(_ => ReadAvailable());
        Command<Poll>(_ => OnPoll());
        Command<StoreEntriesResult>(OnStored);
        Command<SaveSnapshotSuccess>(saved =>
        {
            DeleteMessages(saved.Metadata.SequenceNr);
            DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
        });
        Command<SaveSnapshotFailure>(failed => _log.Warning(failed.Cause, "Snapshot of {Path} failed", _path));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteMessagesFailure>(failed => _log.Warning(failed.Cause, "Deleting old checkpoints of {Path} failed", _path));
    }

    /// <summary>Opens the file at its checkpoint, or at 0 when it is a new file or was truncated meanwhile.</summary>
    private bool Open()
    {
        var identity = FileIdentity.Of(_path);
        if (identity is null)
        {
            return false;
        }

        var start = _checkpoint;
        if (start.FileIdentity != identity)
        {
            start = new TailerCheckpoint(identity, 0, 0);
        }

        try
        {
            _reader = new LineReader(_path, 0, MaxLineBytes, _settings.ReadChunk);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }

        if (_reader.Length < start.Offset)
        {
            _log.Info("{Path} is shorter than its checkpoint: truncated while we were away, reading from 0", _path);
            start = start with { Generation = start.Generation + 1, Offset = 0 };
        }

        _reader.Dispose();
        _reader = new LineReader(_path, start.Offset, MaxLineBytes, _settings.ReadChunk);
        _reading = start;
        _lastDispatchedOffset = start.Offset;
        _assembler = NewAssembler();
        _log.Debug("Tailing {Path} from offset {Offset}", _path, start.Offset);
        return true;
    }

    private void OnPoll()
    {
        if (_afterDrain is not null)
        {
            CheckAckDeadline();
            return;
        }

        var identity = FileIdentity.Of(_path);
        if (identity != _reading.FileIdentity)
        {
            FinishFile(identity);
            return;
        }

        if (_reader!.Length < _reader.Position)
        {
            Truncated();
            return;
        }

        ReadAvailable();
        _lag.Set(_reader.Lag);

        // Idle means the file stopped growing, not that this tailer stopped reading: one held back by
        // unacknowledged batches has unread lines, and the rest of a half-seen stack trace among them.
        var idle = _reader.CaughtUp ? DateTime.UtcNow - _lastDataAt : TimeSpan.Zero;
        if (idle >= _settings.IdleFlush && _reader.HasPartialLine)
        {
            FlushIdle();
        }
        else if (idle >= _settings.MultiLineWait && _assembler.PendingStartOffset is not null)
        {
            // Loggers write a record and its stack trace in one go: a short pause means the entry is complete.
            FlushAssembler();
            DispatchPending();
        }

        CheckAckDeadline();
    }

    private void ReadAvailable()
    {
        if (_afterDrain is not null || _reader is null)
        {
            return;
        }

        for (var turn = 0; turn < ChunksPerTurn; turn++)
        {
            while (_pending.Count >= _settings.BatchSize && _inFlight.Count < _settings.MaxInFlight)
            {
                Dispatch(_settings.BatchSize);
            }

            // Read ahead by one batch at most: the rest waits in the file, not in memory.
            if (_inFlight.Count >= _settings.MaxInFlight || _pending.Count >= _settings.BatchSize)
            {
                return;
            }

            _lines.Clear();
            bool more;
            try
            {
                more = _reader.ReadLines(_lines);
            }
            catch (IOException e)
            {
                _log.Warning("Reading {Path} failed, retrying at the next poll: {Error}", _path, e.Message);
                return;
            }

            if (!more)
            {
                DispatchPending();
                return;
            }

            _lastDataAt = DateTime.UtcNow;
            Assemble();
        }

        // More may be waiting: continue after the acknowledgements queued meanwhile.
        if (_inFlight.Count < _settings.MaxInFlight)
        {
            Self.Tell(FileChanged.Instance);
        }
    }

    private void Assemble()
    {
        foreach (var line in _lines)
        {
            if (_assembler.Add(line.Text, line.EndOffset) is { } completed)
            {
                _parsed.Add(completed);
            }

            AddParsed();
        }
    }

    private void AddParsed()
    {
        foreach (var parsed in _parsed)
        {
            // Before the marks are consulted: a line of a refused agent is stored, and marked, under the file's agent.
            var entry = _agents.Admit(parsed.Entry);

            // Stored before a crash that came before our checkpoint: the store's mark says so.
            if (_committedMarks.TryGetValue(entry.AgentKey, out var committed) && parsed.EndOffset <= committed)
            {
                continue;
            }

            _pending.Add(ReferenceEquals(entry, parsed.Entry) ? parsed : parsed with { Entry = entry });
        }

        _parsed.Clear();
    }

    private void FlushIdle()
    {
        _lines.Clear();
        _reader!.ReadPartial(_lines);
        Assemble();
        FlushAssembler();
        DispatchPending();
    }

    private void DispatchPending()
    {
        while (_pending.Count > 0 && _inFlight.Count < _settings.MaxInFlight)
        {
            Dispatch(_settings.BatchSize);
        }

        if (_pending.Count == 0 && SafeOffset > _lastDispatchedOffset && _inFlight.Count < _settings.MaxInFlight)
        {
            // Only empty or already-stored lines were read: the checkpoint still moves past them.
            Dispatch(0);
        }
    }

    /// <summary>Where a restart must read from: the start of an entry still being assembled, else past the last line.</summary>
    private long SafeOffset => _assembler.CheckpointOffset;

    private void FlushAssembler()
    {
        if (_assembler.Flush() is { } completed)
        {
            _parsed.Add(completed);
        }

        AddParsed();
    }

    private void Dispatch(int max)
    {
        var count = Math.Min(max, _pending.Count);
        // A partial batch checkpoints just past its last entry; the rest are read again after a crash.
        var offset = count == _pending.Count ? SafeOffset : _pending[count - 1].EndOffset;
        var byAgent = new Dictionary<string, (List<LogEntry> Entries, long End)>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var (entry, end) = (_pending[i].Entry, _pending[i].EndOffset);
            var key = entry.AgentKey;
            if (!byAgent.TryGetValue(key, out var group))
            {
                group = ([], 0);
            }

            group.Entries.Add(entry);
            byAgent[key] = (group.Entries, Math.Max(group.End, end));
        }

        _pending.RemoveRange(0, count);
        var batch = new InFlightBatch(_nextBatchId++, byAgent.Count, offset, DateTime.UtcNow);
        _inFlight.AddLast(batch);
        _lastDispatchedOffset = offset;
        var markIdentity = _reading.MarkIdentity!;
        foreach (var (agentKey, (entries, end)) in byAgent)
        {
            var mark = new SourceMark(_sourceKey, agentKey, markIdentity, end);
            _agentStores.Tell(new StoreEntries(agentKey, entries, mark, batch.Id));
        }

        if (batch.Outstanding == 0)
        {
            CompleteHead();
        }
    }

    private void OnStored(StoreEntriesResult result)
    {
        var batch = _inFlight.FirstOrDefault(b => b.Id == result.BatchId);
        if (batch is null)
        {
            return; // an answer to the incarnation before a restart
        }

        if (!result.Succeeded)
        {
            // Restarting re-reads from the checkpoint; the marks keep what did commit from coming twice.
            throw new IOException($"the store of {result.AgentKey} did not take lines of {_path}: {result.Error}");
        }

        batch.Outstanding--;
        CompleteHead();
    }

    private void CompleteHead()
    {
        InFlightBatch? done = null;
        while (_inFlight.First is { Value.Outstanding: <= 0 } head)
        {
            done = head.Value;
            _inFlight.RemoveFirst();
        }

        if (done is not null)
        {
            _unwrittenCheckpoint = new TailerCheckpoint(_reading.FileIdentity, _reading.Generation, done.Offset);
            WriteCheckpoint();
        }

        if (_inFlight.Count == 0 && _pending.Count == 0 && _afterDrain is { } next)
        {
            _afterDrain = null;
            next();
        }
        else
        {
            ReadAvailable();
        }
    }

    /// <summary>
    /// Writes the newest acknowledged position, one write at a time and without holding up reading: while a
    /// write is under way, later positions replace each other and only the last is written after it.
    /// </summary>
    private void WriteCheckpoint()
    {
        if (_writingCheckpoint || _unwrittenCheckpoint is not { } next || next == _checkpoint)
        {
            return;
        }

        _writingCheckpoint = true;
        _unwrittenCheckpoint = null;
        PersistAsync(new CheckpointAdvanced(next.FileIdentity!, next.Generation, next.Offset), persisted =>
        {
            _writingCheckpoint = false;
            Applied(persisted);
            WriteCheckpoint();
        });
    }

    /// <summary>
    /// A new file under the name (rotation) or a new generation of it (truncation): the position in the old one no
    /// longer matters, the new one is written first, then reading starts from it with no marks to skip by.
    /// </summary>
    private void StartOver(CheckpointAdvanced next)
    {
        _reader?.Dispose();
        _reader = null;
        _unwrittenCheckpoint = null;
        Persist(next, persisted =>
        {
            Applied(persisted);
            _committedMarks.Clear();
            if (!Open())
            {
                Context.Stop(Self);
                return;
            }

            ReadAvailable();
        });
    }

    private void Applied(CheckpointAdvanced persisted)
    {
        _checkpoint = _checkpoint.Apply(persisted);
        if (LastSequenceNr % SnapshotEvery == 0)
        {
            SaveSnapshot(_checkpoint);
        }
    }

    /// <summary>The name now points at another file, or at nothing: finish this one, then follow the name.</summary>
    private void FinishFile(string? newIdentity)
    {
        DrainToEnd();
        _afterDrain = () =>
        {
            if (newIdentity is null)
            {
                _log.Debug("{Path} is gone; its tailer stops", _path);
                Context.Stop(Self);
                return;
            }

            _log.Info("{Path} was rotated; reading the new file from its start", _path);
            StartOver(new CheckpointAdvanced(newIdentity, 0, 0));
        };
        CompleteHead();
    }

    private void Truncated()
    {
        _log.Info("{Path} was truncated; reading it again from 0", _path);
        _afterDrain = () => StartOver(new CheckpointAdvanced(_reading.FileIdentity!, _reading.Generation + 1, 0));
        // What was read before the truncation is real: store it, then start over.
        FlushAssembler();
        DispatchAll();
        CompleteHead();
    }

    /// <summary>Reads the old file to its end regardless of the in-flight limit: it will not grow any more.</summary>
    private void DrainToEnd()
    {
        try
        {
            while (true)
            {
                _lines.Clear();
                if (!_reader!.ReadLines(_lines))
                {
                    break;
                }

                Assemble();
            }
        }
        catch (IOException e)
        {
            _log.Warning("Reading the end of {Path} failed: {Error}", _path, e.Message);
        }

        _lines.Clear();
        _reader!.ReadPartial(_lines);
        Assemble();
        FlushAssembler();
        DispatchAll();
    }

    private void DispatchAll()
    {
        while (_pending.Count > 0)
        {
            Dispatch(_settings.BatchSize);
        }

        if (SafeOffset > _lastDispatchedOffset)
        {
            Dispatch(0);
        }
    }

    private void CheckAckDeadline()
    {
        if (_inFlight.First is { } head && DateTime.UtcNow - head.Value.SentAt > AckTimeout)
        {
            throw new TimeoutException($"the stores did not acknowledge lines of {_path} within {AckTimeout}");
        }
    }

    private MultiLineAssembler NewAssembler() => new(_path, _reading.Offset);

    /// <summary>
    /// The reader's cut is four bytes per character of the message limit, so a line it cuts is always over that
    /// limit in characters too, and the parser marks it truncated in its metadata.
    /// </summary>
    private static int MaxLineBytes => EntryLimits.MaxMessageLength * 4;

    protected override void PostStop()
    {
        _lag.Dispose();
        _reader?.Dispose();
        base.PostStop();
    }

    private sealed class InFlightBatch(long id, int outstanding, long offset, DateTime sentAt)
    {
        public long Id { get; } = id;
        public int Outstanding { get; set; } = outstanding;
        public long Offset { get; } = offset;
        public DateTime SentAt { get; } = sentAt;
    }
}

using System.IO.Enumeration;
using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using Akka.Persistence;
using LogAggregator.Configuration;
using LogAggregator.Storage;
using static LogAggregator.Ingestion.SourceDiscoveryProtocol;

namespace LogAggregator.Ingestion;

/// <summary>
/// Expands LOG_SOURCES when a watched directory gains or loses a name (inotify, at once) and every COLLECT_INTERVAL
/// (the fallback), and runs one <see cref="FileTailer"/> per file, keyed by the file's
/// identity (device and inode), not its name: a file renamed to another name the globs match keeps its tailer, its
/// checkpoint and its agent. It remembers (persisted) every identity it tails and where it was last seen, so after a
/// restart a file rotated while the node was down is found in its directory and finished from its checkpoint. It
/// owns one file-system watcher per directory (inotify instances are scarce) and forwards each change to the
/// file's tailer; a rename out of the globs of a file never tailed (created and rotated between two scans) still
/// gets it read. Only regular files (or symbolic links to one) are tailed: anything else matching a glob is reported
/// once and in /health. It also answers for ingestion's health: tailers stalled or restarted repeatedly.
/// </summary>
public sealed class SourceDiscovery : ReceivePersistentActor, IWithTimers
{
    public const string ActorName = "source-discovery";
    private const int SnapshotEvery = 200;

    /// <summary>Restarts within <see cref="FailureWindow"/> from which a tailer counts as failing repeatedly.</summary>
    public const int RepeatedFailures = 3;

    private static readonly TimeSpan FailureWindow = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Tailers starting at once (recovering, looking for their file, taking over an old checkpoint): thousands of
    /// files found at start would otherwise hit the journal at once, time out and open its circuit breaker.
    /// </summary>
    private const int MaxStarting = 32;

    /// <summary>How long notifications are gathered into one scan.</summary>
    private static readonly TimeSpan NotifiedScanDelay = TimeSpan.FromMilliseconds(50);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly LogAggregatorSettings _settings;
    private readonly ILogStore _store;
    private readonly IActorRef _agentStores;
    private readonly TimeProvider _clock;
    private readonly string _workingDirectory = Directory.GetCurrentDirectory();
    private readonly Dictionary<string, string> _known = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IActorRef> _tailers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _leaving = new(StringComparer.Ordinal);
    private readonly HashSet<string> _finished = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FileSystemWatcher> _watchers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _skipped = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _stalled = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (Queue<DateTimeOffset> At, string Error)> _failures = new(StringComparer.Ordinal);
    private readonly HashSet<string> _starting = new(StringComparer.Ordinal);
    /// <summary>Tailers waiting their turn, by rank (see <see cref="StartTailer"/>), then in the order they came.</summary>
    private readonly PriorityQueue<string, (int Rank, long Order)> _toStart = new();
    private long _queued;
    private readonly Dictionary<string, (string Path, HandedOverCursor? Cursor)> _waiting = new(StringComparer.Ordinal);
    private Dictionary<string, string> _identityAt = new(StringComparer.Ordinal);

    /// <summary>The identities the last scan found under a matching name; null before the first scan.</summary>
    private HashSet<string>? _seen;

    public SourceDiscovery(LogAggregatorSettings settings, ILogStore store, IActorRef agentStores, TimeProvider? clock = null)
    {
        _settings = settings;
        _store = store;
        _agentStores = agentStores;
        _clock = clock ?? TimeProvider.System;
        PersistenceId = $"source-discovery-{settings.AkkaHostname}";

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is KnownFiles known)
            {
                _known.Clear();
                foreach (var file in known.Files)
                {
                    _known[file.FileIdentity] = file.Path;
                }
            }
        });
        Recover<FileFound>(found => _known[found.FileIdentity] = found.Path);
        Recover<FileForgotten>(forgotten => _known.Remove(forgotten.FileIdentity));
        // Not OnReplaySuccess: nothing may be persisted before recovery has completed.
        Recover<RecoveryCompleted>(_ => Begin());

        Command<Rescan>(_ => Scan());
        Command<RescanSoon>(_ => Scan());
        Command<FileTailerProtocol.TailerStalled>(stalled =>
        {
            if (stalled.Problem is null)
            {
                _stalled.Remove(stalled.FileIdentity);
            }
            else
            {
                _stalled[stalled.FileIdentity] = stalled.Problem;
            }
        });
        Command<GetIngestionHealth>(_ => Sender.Tell(Health()));
        Command<FileTailerProtocol.TailerReady>(ready =>
        {
            _starting.Remove(ready.FileIdentity);
            StartWaiting();
        });
        Command<PathChanged>(OnPathChanged);
        Command<FileTailerProtocol.TailerFinished>(finished =>
        {
            _finished.Add(finished.FileIdentity);
            if (_known.Remove(finished.FileIdentity))
            {
                Save(new FileForgotten(finished.FileIdentity));
            }
        });
        Command<Terminated>(OnTerminated);
        Command<GetTailedFiles>(_ => Sender.Tell(new TailedFilesResponse(
            _tailers.Keys.Where(id => !_finished.Contains(id)).Select(id => _known.GetValueOrDefault(id, id)).Order(StringComparer.Ordinal).ToList())));
        Command<SaveSnapshotSuccess>(saved =>
        {
            DeleteMessages(saved.Metadata.SequenceNr);
            DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
        });
        Command<SaveSnapshotFailure>(failed => _log.Warning(failed.Cause, "Snapshot of the tailed files failed"));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteMessagesFailure>(failed => _log.Warning(failed.Cause, "Deleting old events of the tailed files failed"));
        Command<DeleteSnapshotsFailure>(_ => { });
    }

    public override string PersistenceId { get; }

    public ITimerScheduler Timers { get; set; } = null!;

    private void Begin()
    {
        // Files tailed before the restart first, at the name a glob shows them under now, else their last-seen name:
        // each tailer finds its file even if it was rotated meanwhile, and the scan below tells those no longer under
        // a matching name to finish. A known inode a glob shows under another name may be a new file that reused it
        // (the old one deleted while down): its tailer must see it at that name to read it from its start.
        var current = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in _settings.LogSources.SelectMany(pattern => Globs.Expand(pattern, _workingDirectory)))
        {
            if (FileIdentity.OfPath(path) is { IsRegular: true } status)
            {
                current.TryAdd(status.Identity, path);
            }
        }

        // Only a few tailers start at once, and hundreds may be remembered (rotated files within their rotate-wait):
        // the file rotated while the node was down would wait its turn while logrotate deletes or compresses it. So
        // every remembered file found is opened now, each handle handed to its tailer, and the files under a matching
        // name start first, then the others found by their inode (newest first), then those found nowhere.
        var elsewhere = FindByIdentity(_known.Where(kv => !current.ContainsKey(kv.Key)).Select(kv => kv.Value));
        var starts = _known.ToList().Select(kv =>
        {
            var at = current.TryGetValue(kv.Key, out var now) ? now : elsewhere.GetValueOrDefault(kv.Key);
            var cursor = at is null ? null : FileTailer.OpenFor(at, kv.Key, _settings.Ingestion);
            if (cursor is { LooksCompressed: true } && !current.ContainsKey(kv.Key) && at != kv.Value)
            {
                // gzip's output on the inode of a file deleted meanwhile: never the file remembered.
                cursor.Dispose();
                cursor = null;
            }

            var rank = cursor is null ? 2 : current.ContainsKey(kv.Key) ? 0 : 1;
            var written = cursor is null ? DateTime.MinValue : File.GetLastWriteTimeUtc(cursor.Path);
            return (Identity: kv.Key, Path: current.GetValueOrDefault(kv.Key, kv.Value), Cursor: cursor, Rank: rank, Written: written);
        });
        foreach (var start in starts.OrderBy(s => s.Rank).ThenByDescending(s => s.Written).ToList())
        {
            StartTailer(start.Identity, start.Path, start.Cursor is { } cursor ? new HandedOverCursor(cursor) : null, start.Rank);
        }

        Scan();
        Timers.StartPeriodicTimer("rescan", Rescan.Instance, _settings.CollectInterval);
    }

    /// <summary>Where each regular file of the directories of <paramref name="paths"/> is now, by identity.</summary>
    private static Dictionary<string, string> FindByIdentity(IEnumerable<string> paths)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var directory in paths.Select(Path.GetDirectoryName).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            try
            {
                foreach (var candidate in Directory.EnumerateFiles(directory))
                {
                    if (FileIdentity.OfPath(candidate) is { IsRegular: true } status)
                    {
                        found.TryAdd(status.Identity, candidate);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        return found;
    }

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(
        maxNrOfRetries: 10,
        withinTimeRange: TimeSpan.FromMinutes(1),
        localOnlyDecider: e =>
        {
            // A tailer that fails is restarted from its checkpoint; the decision shows in the log with its path.
            _log.Warning("Tailer {Tailer} failed ({Error}); restarting it from its checkpoint", Sender.Path, e.Message);
            if (_tailers.FirstOrDefault(kv => kv.Value.Equals(Sender)).Key is { } identity)
            {
                var times = _failures.TryGetValue(identity, out var failures) ? failures.At : new Queue<DateTimeOffset>();
                times.Enqueue(_clock.GetUtcNow());
                _failures[identity] = (times, e.Message);
            }

            return Directive.Restart;
        });

    private IngestionHealth Health()
    {
        var now = _clock.GetUtcNow();
        var stuck = new List<StuckTailer>();
        foreach (var (identity, (times, error)) in _failures.ToList())
        {
            while (times.Count > 0 && now - times.Peek() > FailureWindow)
            {
                times.Dequeue();
            }

            if (times.Count == 0)
            {
                _failures.Remove(identity);
            }
            else if (times.Count >= RepeatedFailures)
            {
                stuck.Add(new StuckTailer(PathOf(identity), $"failed {times.Count} times in the last minute: {error}"));
            }
        }

        stuck.AddRange(_stalled.Where(kv => _tailers.ContainsKey(kv.Key)).Select(kv => new StuckTailer(PathOf(kv.Key), kv.Value)));
        return new IngestionHealth(
            _tailers.Keys.Count(id => !_finished.Contains(id)),
            _skipped.Select(kv => new SkippedFile(kv.Key, kv.Value)).OrderBy(s => s.Path, StringComparer.Ordinal).ToList(),
            stuck.OrderBy(s => s.Path, StringComparer.Ordinal).ToList(),
            _starting.Count + _waiting.Count);
    }

    private string PathOf(string identity) => _known.GetValueOrDefault(identity, identity);

    private void Scan()
    {
        // Which file each matching name leads to now. A stat by name only picks the tailer: the tailer opens the
        // name and trusts only what its handle says, so a rename in between cannot make it read another file.
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var skipped = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pattern in _settings.LogSources)
        {
            foreach (var path in Globs.Expand(pattern, _workingDirectory, directoriesToo: true))
            {
                // stat follows symbolic links: a link is tailed only when it leads to a regular file.
                switch (FileIdentity.OfPath(path))
                {
                    case { IsRegular: true } status:
                        seen.TryAdd(status.Identity, path);
                        break;
                    case { } other:
                        skipped.TryAdd(path, IsLink(path)
                            ? $"a symbolic link to a {other.Kind}, not to a regular file"
                            : $"a {other.Kind}, not a regular file");
                        break;
                }
            }

            Watch(Path.GetDirectoryName(Path.GetFullPath(pattern, _workingDirectory))!);
        }

        Skip(skipped);

        _identityAt = seen.ToDictionary(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal);
        _seen = [.. seen.Keys];
        foreach (var (identity, path) in seen)
        {
            Follow(identity, path);
        }

        foreach (var identity in _tailers.Keys.Where(id => !seen.ContainsKey(id) && _leaving.Add(id)).ToList())
        {
            _tailers[identity].Tell(FileTailerProtocol.FileLeftSources.Instance);
        }
    }

    private static bool IsLink(string path)
    {
        try
        {
            return File.GetAttributes(path).HasFlag(FileAttributes.ReparsePoint);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Names that match but are not regular files are never opened by a tailer; each is reported once.</summary>
    private void Skip(Dictionary<string, string> skipped)
    {
        foreach (var (path, reason) in skipped)
        {
            if (!_skipped.TryGetValue(path, out var known) || known != reason)
            {
                _log.Warning("Not tailing {Path}: it is {Reason}", path, reason);
            }
        }

        _skipped.Clear();
        foreach (var (path, reason) in skipped)
        {
            _skipped[path] = reason;
        }
    }

    private void Follow(string identity, string path)
    {
        var moved = !_known.TryGetValue(identity, out var known) || known != path;
        if (moved)
        {
            _known[identity] = path;
            Save(new FileFound(identity, path));
        }

        if (!_tailers.TryGetValue(identity, out var tailer))
        {
            StartTailer(identity, path);
        }
        else if ((_leaving.Remove(identity) || moved) && !_finished.Contains(identity))
        {
            tailer.Tell(new FileTailerProtocol.FileInSources(path));
        }
    }

    /// <param name="rank">
    /// Who starts first when tailers must wait their turn: 0 a file under a matching name (copytruncate changes it in
    /// place, only a running tailer keeps up), 1 a file found elsewhere (its handle keeps it), 2 one found nowhere.
    /// </param>
    private void StartTailer(string identity, string path, HandedOverCursor? cursor = null, int rank = 0)
    {
        if (_tailers.ContainsKey(identity))
        {
            cursor?.Dispose();
            return;
        }

        if (_starting.Count >= MaxStarting)
        {
            if (_waiting.TryGetValue(identity, out var waiting))
            {
                if (cursor is not null)
                {
                    waiting.Cursor?.Dispose();
                }

                _waiting[identity] = (path, cursor ?? waiting.Cursor);
            }
            else
            {
                // Opened now: logrotate may delete or compress the file long before its turn comes.
                cursor ??= FileTailer.OpenFor(path, identity, _settings.Ingestion) is { } opened ? new HandedOverCursor(opened) : null;
                _waiting[identity] = (path, cursor);
                _toStart.Enqueue(identity, (cursor is null ? 2 : rank, _queued++));
            }

            return;
        }

        if (_waiting.Remove(identity, out var waited))
        {
            if (cursor is null)
            {
                cursor = waited.Cursor;
            }
            else
            {
                waited.Cursor?.Dispose();
            }
        }

        _starting.Add(identity);

        var props = FileTailer.Props(identity, path, _settings.AkkaHostname, _settings.Ingestion, _store, _agentStores, _clock, cursor)
            .WithDispatcher(IngestionDispatcher.Id);
        var tailer = Context.ActorOf(props, "file-tailer-" + Uri.EscapeDataString(identity));
        Context.Watch(tailer);
        _tailers[identity] = tailer;
        if (_seen is not null && !_seen.Contains(identity) && _leaving.Add(identity))
        {
            // Waited its turn to start while no matching name led to it any more (rotated while the node was down).
            tailer.Tell(FileTailerProtocol.FileLeftSources.Instance);
        }

        _log.Info("Tailing {Path} ({Identity})", path, identity);
    }

    private void StartWaiting()
    {
        while (_starting.Count < MaxStarting && _toStart.TryDequeue(out var identity, out _))
        {
            if (_waiting.Remove(identity, out var waiting))
            {
                StartTailer(identity, waiting.Path, waiting.Cursor);
            }
        }
    }

    private void OnTerminated(Terminated terminated)
    {
        var identity = _tailers.FirstOrDefault(kv => kv.Value.Equals(terminated.ActorRef)).Key;
        if (identity is null)
        {
            return;
        }

        _tailers.Remove(identity);
        _stalled.Remove(identity);
        _starting.Remove(identity);
        _leaving.Remove(identity);
        _finished.Remove(identity);
        // Finished while a matching name led to it again (renamed back): it is a file to tail like any other.
        if (_identityAt.FirstOrDefault(kv => kv.Value == identity).Key is { } path)
        {
            Follow(identity, path);
        }

        StartWaiting();
    }

    /// <summary>Applied at once; persisted without holding up discovery (a crash loses at most a rename seen again at the next scan).</summary>
    private void Save(object e) => PersistAsync(e, _ =>
    {
        if (LastSequenceNr % SnapshotEvery == 0)
        {
            SaveSnapshot(new KnownFiles(_known.Select(kv => new FileFound(kv.Key, kv.Value)).ToList()));
        }
    });

    /// <summary>Watches a literal directory; directories with wildcards are covered by the periodic rescan.</summary>
    private void Watch(string directory)
    {
        if (_watchers.ContainsKey(directory) || directory.IndexOfAny(['*', '?']) >= 0 || !Directory.Exists(directory))
        {
            return;
        }

        try
        {
            var self = Self;
            var watcher = new FileSystemWatcher(directory)
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
                IncludeSubdirectories = false,
            };
            watcher.Changed += (_, e) => self.Tell(new PathChanged(e.FullPath, false));
            watcher.Created += (_, e) => self.Tell(new PathChanged(e.FullPath, true, Opened: Matched(e.FullPath) ? OpenNow(e.FullPath) : null));
            watcher.Deleted += (_, e) => self.Tell(new PathChanged(e.FullPath, true));
            watcher.Renamed += (_, e) => self.Tell(new PathChanged(
                e.FullPath, true, e.OldFullPath, Opened: Matched(e.OldFullPath!) && !Matched(e.FullPath) ? OpenNow(e.FullPath) : null));
            watcher.EnableRaisingEvents = true;
            _watchers[directory] = watcher;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            // Out of inotify watches, say: the poll still finds every line, only a little later.
            _log.Warning("Cannot watch {Directory} ({Error}); relying on polling", directory, e.Message);
        }
    }

    private void OnPathChanged(PathChanged changed)
    {
        if (!changed.Created)
        {
            if (_identityAt.TryGetValue(changed.Path, out var identity) && _tailers.TryGetValue(identity, out var tailer))
            {
                tailer.Tell(FileTailerProtocol.FileChanged.Instance);
            }

            return;
        }

        if (changed.Opened is { } opened)
        {
            FollowOpened(changed, opened);
        }
        else if (changed.OldPath is { } oldPath && Matched(oldPath) && !Matched(changed.Path)
            && FileIdentity.OfPath(changed.Path) is { IsRegular: true } status && !_tailers.ContainsKey(status.Identity)
            && !_waiting.ContainsKey(status.Identity))
        {
            // Rotated out of the globs before any scan saw it under its old name: read it all the same, then let go.
            _log.Info("{Path} was rotated to {NewPath} before it was tailed; reading it", oldPath, changed.Path);
            _known[status.Identity] = changed.Path;
            Save(new FileFound(status.Identity, changed.Path));
            StartTailer(status.Identity, changed.Path, rank: 1);
        }

        if (changed.OldPath is { } rotated && Matched(rotated) && !Matched(changed.Path))
        {
            TailMissedRotations(rotated);
        }

        if (!Timers.IsTimerActive("notified-scan"))
        {
            Timers.StartSingleTimer("notified-scan", RescanSoon.Instance, NotifiedScanDelay);
        }
    }

    /// <summary>
    /// On a rotation out of the globs, reads the rotated files of that name (app.log.1, app.log.2, app.log-20240601)
    /// that no tailer has read, written to within rotate-wait. The watcher raises its notifications from the thread
    /// pool: on a loaded node one comes hundreds of milliseconds late, when the name it reports (app.log, app.log.1)
    /// already holds a newer file and the file it was about has moved further down the rotation, where no notification
    /// and no scan of the globs will ever lead. A file a tailer finished was quiet for rotate-wait before it finished,
    /// so it is never read twice; compressed files are never read.
    /// </summary>
    private void TailMissedRotations(string oldPath)
    {
        if (Path.GetDirectoryName(oldPath) is not { } directory)
        {
            return;
        }

        var name = Path.GetFileName(oldPath);
        var since = DateTime.UtcNow - _settings.Ingestion.FinishAfter;
        try
        {
            foreach (var candidate in Directory.EnumerateFiles(directory, name + "*"))
            {
                var candidateName = Path.GetFileName(candidate);
                if (candidateName.Length <= name.Length || candidateName[name.Length] is not ('.' or '-' or '_') || Matched(candidate)
                    || FileIdentity.OfPath(candidate) is not { IsRegular: true } status || _known.ContainsKey(status.Identity)
                    || _tailers.ContainsKey(status.Identity) || _waiting.ContainsKey(status.Identity) || File.GetLastWriteTimeUtc(candidate) < since
                    || FileTailer.OpenFor(candidate, status.Identity, _settings.Ingestion) is not { } cursor)
                {
                    continue;
                }

                if (cursor.LooksCompressed)
                {
                    cursor.Dispose();
                    continue;
                }

                _log.Info("{Path} is a rotation of {OldPath} that no notification led to; reading it", candidate, oldPath);
                _known[status.Identity] = candidate;
                Save(new FileFound(status.Identity, candidate));
                StartTailer(status.Identity, candidate, new HandedOverCursor(cursor), rank: 1);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Warning("Cannot look for rotations of {Path} in {Directory}: {Error}", oldPath, directory, e.Message);
        }
    }

    /// <summary>On the watcher thread: opens a name created in the globs (or renamed out of them), as it is now.</summary>
    private FileCursor? OpenNow(string path)
    {
        try
        {
            return FileTailer.OpenFor(path, null, _settings.Ingestion);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>A file opened as its notification came: tailed from that handle unless it has a tailer already.</summary>
    private void FollowOpened(PathChanged changed, FileCursor opened)
    {
        var identity = opened.Identity;
        var inSources = Matched(changed.Path);
        if (_tailers.ContainsKey(identity) || _waiting.ContainsKey(identity))
        {
            // Tailed already.
            opened.Dispose();
            return;
        }

        if (changed.OldPath is { } oldPath)
        {
            // Rotated out of the globs before any scan saw it under its old name: read it all the same, then let go.
            _log.Info("{Path} was rotated to {NewPath} before it was tailed; reading it", oldPath, changed.Path);
        }
        else
        {
            // Created in the globs: tailed at once, before the scan, while this very file is still there to open.
            _seen?.Add(identity);
        }

        _known[identity] = changed.Path;
        Save(new FileFound(identity, changed.Path));
        StartTailer(identity, changed.Path, new HandedOverCursor(opened), inSources ? 0 : 1);
    }

    private bool Matched(string path) => _settings.LogSources.Any(pattern =>
    {
        var full = Path.GetFullPath(pattern, _workingDirectory);
        return Path.GetDirectoryName(full) is { } directory && Path.GetDirectoryName(path) is { } pathDirectory
            && (directory == pathDirectory || FileSystemName.MatchesSimpleExpression(directory, pathDirectory, ignoreCase: false))
            && FileSystemName.MatchesSimpleExpression(Path.GetFileName(full), Path.GetFileName(path), ignoreCase: false);
    });

    protected override void PostStop()
    {
        foreach (var watcher in _watchers.Values)
        {
            watcher.Dispose();
        }

        foreach (var waiting in _waiting.Values)
        {
            waiting.Cursor?.Dispose();
        }

        base.PostStop();
    }
}

public static class IngestionDispatcher
{
    /// <summary>Tailers read files synchronously; they do it on these threads (see hocon/logaggregator.conf).</summary>
    public const string Id = "log-aggregator-ingestion-dispatcher";
}

public static class SourceDiscoveryHosting
{
    public static AkkaConfigurationBuilder AddSourceDiscovery(this AkkaConfigurationBuilder builder, LogAggregatorSettings settings) =>
        builder.WithActors((system, registry, resolver) =>
        {
            var store = resolver.GetService<ILogStore>();
            var agentStores = registry.Get<AgentStore>();
            var discovery = system.ActorOf(
                Props.Create(() => new SourceDiscovery(settings, store, agentStores, TimeProvider.System)), SourceDiscovery.ActorName);
            registry.Register<SourceDiscovery>(discovery);
        });
}

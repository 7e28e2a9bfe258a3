using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using LogAggregator.Configuration;
using LogAggregator.Storage;
using static LogAggregator.Ingestion.SourceDiscoveryProtocol;

namespace LogAggregator.Ingestion;

/// <summary>
/// Expands LOG_SOURCES every COLLECT_INTERVAL and starts one <see cref="FileTailer"/> per file. It owns one
/// file-system watcher per directory (not per file: inotify instances are scarce) and forwards each change
/// to the file's tailer, so new lines are read within the poll interval at worst.
/// </summary>
public sealed class SourceDiscovery : ReceiveActor, IWithTimers
{
    public const string ActorName = "source-discovery";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly LogAggregatorSettings _settings;
    private readonly ILogStore _store;
    private readonly IActorRef _agentStores;
    private readonly string _workingDirectory = Directory.GetCurrentDirectory();
    private readonly Dictionary<string, IActorRef> _tailers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FileSystemWatcher> _watchers = new(StringComparer.Ordinal);

    public SourceDiscovery(LogAggregatorSettings settings, ILogStore store, IActorRef agentStores)
    {
        _settings = settings;
        _store = store;
        _agentStores = agentStores;

        Receive<Rescan>(_ => Scan());
        Receive<PathChanged>(OnPathChanged);
        Receive<Terminated>(t =>
        {
            var path = _tailers.FirstOrDefault(kv => kv.Value.Equals(t.ActorRef)).Key;
            if (path is not null)
            {
                _tailers.Remove(path);
            }
        });
        Receive<GetTailedFiles>(_ => Sender.Tell(new TailedFilesResponse(_tailers.Keys.Order(StringComparer.Ordinal).ToList())));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        Scan();
        Timers.StartPeriodicTimer("rescan", Rescan.Instance, _settings.CollectInterval);
    }

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(
        maxNrOfRetries: 10,
        withinTimeRange: TimeSpan.FromMinutes(1),
        localOnlyDecider: e =>
        {
            // A tailer that fails is restarted from its checkpoint; the decision shows in the log with its path.
            _log.Warning("Tailer {Tailer} failed ({Error}); restarting it from its checkpoint", Sender.Path, e.Message);
            return Directive.Restart;
        });

    private void Scan()
    {
        foreach (var pattern in _settings.LogSources)
        {
            foreach (var path in Globs.Expand(pattern, _workingDirectory))
            {
                StartTailer(path);
            }

            Watch(Path.GetDirectoryName(Path.GetFullPath(pattern, _workingDirectory))!);
        }
    }

    private void StartTailer(string path)
    {
        if (_tailers.ContainsKey(path) || !File.Exists(path))
        {
            return;
        }

        var props = FileTailer.Props(path, _settings.AkkaHostname, _settings.Ingestion, _store, _agentStores)
            .WithDispatcher(IngestionDispatcher.Id);
        var tailer = Context.ActorOf(props, "file-tailer-" + Uri.EscapeDataString(path));
        Context.Watch(tailer);
        _tailers[path] = tailer;
        _log.Info("Tailing {Path}", path);
    }

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
            watcher.Created += (_, e) => self.Tell(new PathChanged(e.FullPath, true));
            watcher.Renamed += (_, e) => self.Tell(new PathChanged(e.FullPath, true));
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
        if (_tailers.TryGetValue(changed.Path, out var tailer))
        {
            tailer.Tell(FileTailerProtocol.FileChanged.Instance);
        }
        else if (changed.Created && _settings.LogSources.Any(p => Matches(p, changed.Path)))
        {
            StartTailer(changed.Path);
        }
    }

    private bool Matches(string pattern, string path) =>
        Globs.Expand(pattern, _workingDirectory).Contains(path, StringComparer.Ordinal);

    protected override void PostStop()
    {
        foreach (var watcher in _watchers.Values)
        {
            watcher.Dispose();
        }
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
                Props.Create(() => new SourceDiscovery(settings, store, agentStores)), SourceDiscovery.ActorName);
            registry.Register<SourceDiscovery>(discovery);
        });
}

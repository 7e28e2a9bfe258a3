using Akka.Actor;
using LogAggregator.Configuration;
using LogAggregator.Ingestion;
using LogAggregator.Model;
using LogAggregator.Storage;
using LogAggregator.Tests.Storage;

namespace LogAggregator.Tests.Ingestion;

public sealed class FileTailerSpecs : ActorSpec
{
    private static readonly IngestionSettings Settings = new(
        BatchSize: 100, MaxInFlight: 4, ReadChunk: 64 * 1024, PollInterval: TimeSpan.FromMilliseconds(100), IdleFlush: TimeSpan.FromSeconds(1),
        MultiLineWait: TimeSpan.FromMilliseconds(200));

    private readonly IActorRef _agentStores;
    private readonly string _path;

    public FileTailerSpecs()
    {
        _agentStores = Sys.ActorOf(Props.Create(() => new LocalAgentStores(Store)), "agent-stores");
        _path = Path.Combine(Root, "cerberus.log");
    }

    private IActorRef StartTailer(string name = "tailer", IngestionSettings? settings = null, IActorRef? agentStores = null, ILogStore? store = null) =>
        Sys.ActorOf(FileTailer.Props(Identity(), _path, "node-a", settings ?? Settings, store ?? Store, agentStores ?? _agentStores), name);

    private string Identity() => FileIdentity.OfPath(_path)!.Value.Identity;

    private Task StoredAsync(params string[] messages) =>
        // Polls: generous, so a machine under load does not fail it; a passing run returns as soon as it holds.
        AwaitAssertAsync(async () => Assert.Equal(messages, await StoredMessagesAsync()), TimeSpan.FromSeconds(30));

    [Fact]
    public async Task Partial_line_is_stored_only_once_its_newline_arrives()
    {
        await File.WriteAllTextAsync(_path, "INFO - one\nINFO - tw");
        StartTailer(settings: Settings with { IdleFlush = TimeSpan.FromMinutes(1) });
        // Written at once: once "one" is stored the tailer has read "INFO - tw" too. Had it taken that for a line,
        // "o" would now be an entry of its own and the store would never hold exactly these two.
        await StoredAsync("one");

        await File.AppendAllTextAsync(_path, "o\n");

        await StoredAsync("one", "two");
    }

    [Fact]
    public async Task Idle_half_written_line_is_stored_after_the_idle_flush()
    {
        await File.WriteAllTextAsync(_path, "ERROR - no newline ever");
        StartTailer();

        await StoredAsync("no newline ever");
    }

    [Fact]
    public async Task Truncated_file_is_read_again_from_the_start()
    {
        await File.WriteAllTextAsync(_path, "INFO - old 1\nINFO - old 2\nINFO - old 3\n");
        StartTailer();
        await StoredAsync("old 1", "old 2", "old 3");

        await File.WriteAllTextAsync(_path, "INFO - new 1\n");

        await StoredAsync("old 1", "old 2", "old 3", "new 1");
    }

    [Fact]
    public async Task Vanished_file_stops_its_tailer()
    {
        await File.WriteAllTextAsync(_path, "INFO - here\n");
        var tailer = StartTailer();
        await StoredAsync("here");
        Watch(tailer);

        File.Delete(_path);

        ExpectTerminated(tailer, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Restarted_tailer_resumes_at_its_checkpoint_without_duplicates()
    {
        await File.WriteAllTextAsync(_path, "INFO - a\nINFO - b\n");
        var tailer = StartTailer("first");
        await StoredAsync("a", "b");
        Watch(tailer);
        Sys.Stop(tailer);
        ExpectTerminated(tailer);

        await File.AppendAllTextAsync(_path, "INFO - c\n");
        StartTailer("second");

        await StoredAsync("a", "b", "c");
        // A duplicate would come from reading the file again before "d": once "d" is stored, it would be too.
        await File.AppendAllTextAsync(_path, "INFO - d\n");
        await StoredAsync("a", "b", "c", "d");
    }

    [Fact]
    public async Task Lines_committed_before_a_crash_lost_the_checkpoint_are_not_stored_twice()
    {
        // The store commits the first two lines with their mark, but the answers never reach the tailer (the process
        // died before it persisted its checkpoint): the next tailer starts from the old checkpoint and must skip them.
        await File.WriteAllTextAsync(_path, "INFO - a\nINFO - b\n");
        var unanswered = Sys.ActorOf(Props.Create(() => new Unanswered(_agentStores)), "unanswered");
        var first = StartTailer("first", agentStores: unanswered);
        await StoredAsync("a", "b");
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first);

        await File.AppendAllTextAsync(_path, "INFO - c\n");
        StartTailer("second");

        await StoredAsync("a", "b", "c");
        // A duplicate would come from reading the file again before "d": once "d" is stored, it would be too.
        await File.AppendAllTextAsync(_path, "INFO - d\n");
        await StoredAsync("a", "b", "c", "d");
    }

    /// <summary>Passes commands on to the stores and drops their answers.</summary>
    private sealed class Unanswered : ReceiveActor
    {
        public Unanswered(IActorRef stores)
        {
            Receive<AgentStoreProtocol.StoreEntries>(command => stores.Tell(command, Self));
            ReceiveAny(_ => { });
        }
    }

    [Fact]
    public async Task A_tailer_held_back_by_slow_commits_does_not_split_stack_traces()
    {
        // Commits are slow, so the tailer stops reading mid-file with a stack trace half read; that pause
        // must not count as the file being idle.
        const int entries = 600;
        var lines = Enumerable.Range(0, entries).SelectMany(i => new[]
        {
            $"2024-01-01 00:00:00 - ERROR - CERBERUS - failure {i}",
            "Traceback (most recent call last):",
            $"  File \"job.py\", line {i}, in run",
            $"ValueError: bad {i}",
        });
        await File.WriteAllLinesAsync(_path, lines);
        Store.BeforeCommit = () => Thread.Sleep(100);

        StartTailer(settings: Settings with { BatchSize = 100, MaxInFlight = 1, MultiLineWait = TimeSpan.FromMilliseconds(20) });

        await AwaitAssertAsync(async () => Assert.Equal(entries, (await StoredMessagesAsync()).Count), TimeSpan.FromSeconds(30));
        var stored = await StoredMessagesAsync();
        Assert.All(stored, m => Assert.Equal(4, m.Split('\n').Length));
    }

    [Fact]
    public async Task A_failed_commit_loses_no_line_and_stores_none_twice()
    {
        // Four batches of one agent are under way when the first one's commit fails (after the second reached
        // the store): the failure must not let a later batch's mark hide the failed lines from the restarted tailer.
        var failing = new FailingLogStore(Store, 1);
        var stores = Sys.ActorOf(Props.Create(() => new LocalAgentStores(failing)), "failing-agent-stores");
        var lines = Enumerable.Range(1, 40).Select(i => $"INFO - line {i}").ToList();
        await File.WriteAllLinesAsync(_path, lines);

        StartTailer(settings: Settings with { BatchSize = 10, MaxInFlight = 4 }, agentStores: stores, store: failing);
        await AwaitAssertAsync(async () => Assert.Equal(40, (await StoredMessagesAsync()).Count), TimeSpan.FromSeconds(20));

        // A line written after them shows up only once the tailer has dealt with everything before it.
        await File.AppendAllTextAsync(_path, "INFO - sentinel\n");
        await StoredAsync([.. lines.Select(l => l["INFO - ".Length..]), "sentinel"]);
        Assert.True(failing.Calls >= 2, "the failing commit never happened");
    }

    [Fact]
    public async Task Long_agent_names_are_cut_and_agents_beyond_the_daily_limit_are_stored_under_the_file_agent()
    {
        // Two of three places are taken today; the cut long name takes the last, NEWBIE finds none.
        Assert.Empty(await Store.AdmitAgentsAsync(["A1", "A2"], 3));
        var longName = new string('x', 300);
        await File.WriteAllLinesAsync(_path,
        [
            "[INFO] A1: one",
            $$"""{"agent":"{{longName}}","message":"two"}""",
            "[WARNING] NEWBIE: three",
            "2099-01-15 10:30:00 - ERROR - NEWBIE - four",
        ]);

        await EventFilter.Warning(contains: "NEWBIE").ExpectOneAsync(async () =>
        {
            StartTailer(settings: Settings with { MaxAgentLength = 256, MaxAgentsPerDay = 3 });
            await StoredAsync("one", "two", "three", "four");
        });

        var stored = (await Store.QueryAsync(LogFilter.None, new Paging(10, 0))).Entries.Select(e => e.Entry).Reverse().ToList();
        Assert.Equal(["A1", new string('x', 256), "CERBERUS", "CERBERUS"], stored.Select(e => e.Agent));
        Assert.Equal(Level.Error, stored[3].Level);
        Assert.All(stored[2..], e => Assert.Equal("NEWBIE", System.Text.Json.JsonDocument.Parse(e.Metadata).RootElement.GetProperty("original_agent").GetString()));
        Assert.Equal(["NEWBIE"], await Store.AdmitAgentsAsync(["A1", "A2", new string('X', 256), "NEWBIE"], 3));
    }
}

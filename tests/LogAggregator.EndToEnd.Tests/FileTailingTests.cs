using System.Text.Json;

namespace LogAggregator.EndToEnd.Tests;

/// <summary>Agents write files; the server tails, parses and stores them (DESIGN.md §3).</summary>
public sealed class FileTailingTests : IAsyncLifetime
{
    private readonly ServerProcess _server = new();

    public Task InitializeAsync() => _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Each_format_and_a_traceback_are_parsed_as_the_design_says()
    {
        var path = Path.Combine(_server.LogDir, "my-agent.log");
        await File.WriteAllTextAsync(path, string.Join("\n",
            """{"timestamp":"2024-01-15T10:30:00+02:00","level":"error","agent":"ATLAS","message":"json line","user":"u1"}""",
            "2024-01-15 10:31:00.250 - WARN - billing.v2 - standard line",
            "2024-01-15T10:32:00 | CRITICAL | CERBERUS | standard with pipes",
            "[DEBUG] my_agent-2: bracketed line",
            "FATAL: simple line",
            "just some plain text",
            "",
            "2024-01-15 10:33:00 - ERROR - ATLAS - job failed",
            "Traceback (most recent call last):",
            "  File \"app.py\", line 3, in <module>",
            "    main()",
            "ValueError: bad value",
            "INFO - after the traceback") + "\n");

        // A line written after the rest: once it is stored, any extra entry made of the lines above is too.
        await ServerProcess.EventuallyAsync(() => _server.AllEntriesAsync(), e => e.Count >= 8, TimeSpan.FromSeconds(20));
        await File.AppendAllTextAsync(path, "INFO - end marker\n");
        var entries = (await ServerProcess.EventuallyAsync(
                () => _server.AllEntriesAsync(), e => e.Any(x => x.GetProperty("message").GetString() == "end marker"), TimeSpan.FromSeconds(20)))
            .Where(e => e.GetProperty("message").GetString() != "end marker").ToList();

        var byMessage = entries.ToDictionary(e => e.GetProperty("message").GetString()!);
        Assert.Equal(8, entries.Count);
        AssertEntry(byMessage["json line"], "ERROR", "ATLAS", "2024-01-15T08:30:00Z");
        Assert.Equal("u1", byMessage["json line"].GetProperty("metadata").GetProperty("user").GetString());
        AssertEntry(byMessage["standard line"], "WARNING", "billing.v2", "2024-01-15T10:31:00.25Z");
        AssertEntry(byMessage["standard with pipes"], "CRITICAL", "CERBERUS", "2024-01-15T10:32:00Z");
        AssertEntry(byMessage["bracketed line"], "DEBUG", "my_agent-2", null);
        AssertEntry(byMessage["simple line"], "FATAL", "MY_AGENT", null);
        AssertEntry(byMessage["just some plain text"], "INFO", "MY_AGENT", null);
        var traceback = entries.Single(e => e.GetProperty("message").GetString()!.StartsWith("job failed"));
        Assert.Equal(
            "job failed\nTraceback (most recent call last):\n  File \"app.py\", line 3, in <module>\n    main()\nValueError: bad value",
            traceback.GetProperty("message").GetString());
        AssertEntry(traceback, "ERROR", "ATLAS", "2024-01-15T10:33:00Z");
        AssertEntry(byMessage["after the traceback"], "INFO", "MY_AGENT", null);
        Assert.All(entries, e => Assert.Equal(path, e.GetProperty("source").GetString()));
    }

    [Fact]
    public async Task A_line_appended_to_a_tailed_file_is_stored_by_its_running_tailer()
    {
        // How soon is the benchmark's business (tail latency in tests/LogAggregator.Benchmarks); this asserts that
        // the running tailer picks the append up at all, well before the next rescan of the globs (30 s).
        var path = Path.Combine(_server.LogDir, "hermes.log");
        await File.WriteAllTextAsync(path, "INFO - first\n");
        await ServerProcess.EventuallyAsync(() => _server.AllEntriesAsync(), e => e.Count == 1, TimeSpan.FromSeconds(20));

        await File.AppendAllTextAsync(path, "ERROR - second\n");
        var entries = await ServerProcess.EventuallyAsync(() => _server.AllEntriesAsync(), e => e.Count == 2, TimeSpan.FromSeconds(20));

        Assert.Equal(["second", "first"], entries.Select(e => e.GetProperty("message").GetString()));
        Assert.Equal("HERMES", entries[0].GetProperty("agent").GetString());
    }

    [Fact]
    public async Task A_half_written_line_waits_for_its_newline()
    {
        var path = Path.Combine(_server.LogDir, "partial.log");
        await File.WriteAllTextAsync(path, "INFO - complete\nERROR - half wri");
        // Both parts were written at once: once "complete" is stored the tailer has read "half wri" too, and had it
        // taken that for a line, the rest would arrive as an entry of its own.
        await ServerProcess.EventuallyAsync(() => _server.AllEntriesAsync(), e => e.Count >= 1, TimeSpan.FromSeconds(20));

        await File.AppendAllTextAsync(path, "tten\nINFO - end marker\n");
        var entries = await ServerProcess.EventuallyAsync(
            () => _server.AllEntriesAsync(), e => e.Any(x => x.GetProperty("message").GetString() == "end marker"), TimeSpan.FromSeconds(20));

        Assert.Equal(["complete", "end marker", "half written"], entries.Select(e => e.GetProperty("message").GetString()).Order());
        Assert.Equal("ERROR", entries.Single(e => e.GetProperty("message").GetString() == "half written").GetProperty("level").GetString());
    }

    private static void AssertEntry(JsonElement entry, string level, string agent, string? timestamp)
    {
        Assert.Equal(level, entry.GetProperty("level").GetString());
        Assert.Equal(agent, entry.GetProperty("agent").GetString());
        if (timestamp is not null)
        {
            Assert.Equal(timestamp, entry.GetProperty("timestamp").GetString());
        }
    }
}

using LogAggregator.Model;
using LogAggregator.Storage;
using static LogAggregator.Tests.Storage.StoreHarness;

namespace LogAggregator.Tests.Storage;

public sealed class DuckDbLogStoreSearchTests : IAsyncLifetime
{
    private static readonly DateTime T0 = Day1.UtcDateTime;
    private readonly StoreHarness _harness = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Theory]
    [InlineData(@"user\d+@example\.com", "login by user42@example.com")]
    [InlineData("TIMEOUT", "upstream timeout after 30s")]
    [InlineData(@"conn(ection)? refused", "Connection REFUSED by peer")]
    [InlineData(@"ab+c", "xx ABBBC yy")]
    [InlineData(@"time.?out", "timeout")]
    public async Task Search_matches_messages_case_insensitively(string query, string message)
    {
        await _harness.AppendAsync(Entry(message), Entry("unrelated noise"));

        var found = await Search(query);

        Assert.Equal([message], found);
    }

    [Fact]
    public async Task Search_matches_metadata_too()
    {
        await _harness.AppendAsync(Entry("request failed", metadata: """{"trace_id":"abc-123"}"""), Entry("request ok"));

        Assert.Equal(["request failed"], await Search("ABC-123"));
    }

    [Theory]
    [InlineData("{}", false)]
    [InlineData(@"\{\}", false)]
    [InlineData(@"^\{", true)]
    public async Task A_search_matching_empty_metadata_finds_entries_without_metadata(string query, bool matchesOtherMetadata)
    {
        await _harness.AppendAsync(Entry("no metadata here"), Entry("with metadata", metadata: """{"k":"v"}"""), Entry("plain"));

        var found = (await Search(query)).Order().ToList();

        Assert.Equal(matchesOtherMetadata ? ["no metadata here", "plain", "with metadata"] : ["no metadata here", "plain"], found);
    }

    [Theory]
    [InlineData("503", "upstream returned 503")]
    [InlineData("10-20", "retry window 10-20 s")]
    public async Task A_literal_without_letters_is_found_in_message_and_metadata(string query, string message)
    {
        await _harness.AppendAsync(
            Entry(message), Entry("in metadata", metadata: $$"""{"note":"{{query}}"}"""), Entry("unrelated 50 3"));

        Assert.Equal(["in metadata", message], (await Search(query)).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("(unclosed", "bad (unclosed paren")]
    [InlineData("[bad", "a [bad bracket")]
    [InlineData(@"\Z", @"literal \Z please")]
    public async Task An_invalid_pattern_is_matched_literally(string query, string message)
    {
        await _harness.AppendAsync(Entry(message), Entry("other line without it"));

        Assert.Equal([message], await Search(query));
    }

    [Fact]
    public async Task A_pattern_dotnet_accepts_but_re2_refuses_is_matched_literally()
    {
        Assert.False(SearchPattern.Parse(@"\e\Z").IsLiteral);
        await _harness.AppendAsync(Entry(@"odd \e\Z text"), Entry("other"));

        Assert.Equal([@"odd \e\Z text"], await Search(@"\e\Z"));
    }

    [Fact]
    public async Task Search_applies_the_filter_and_pages_newest_first()
    {
        await _harness.AppendAsync(
            Entry("error 1", at: T0.AddSeconds(1)),
            Entry("error 2", at: T0.AddSeconds(2), agent: "HERMES"),
            Entry("error 3", at: T0.AddSeconds(3)),
            Entry("error 4", at: T0.AddSeconds(4), level: Level.Error));

        var cerberus = await _harness.Store.SearchAsync(SearchPattern.Parse("error"), new LogFilter(AgentKey: "CERBERUS"), new Paging(2, 1));

        Assert.Equal(["error 3", "error 1"], cerberus.Select(e => e.Entry.Message));
    }

    [Fact]
    public async Task Search_stops_at_the_newest_day_files_that_fill_the_page()
    {
        await _harness.AppendAsync(Entry("match on day one"));
        _harness.Clock.Now = Day1.AddDays(1);
        await _harness.AppendAsync(Entry("match on day two"));
        _harness.Clock.Now = Day1.AddDays(2);
        await _harness.AppendAsync(Entry("match on day three"), Entry("match again on day three"));
        var scanned = new List<string>();
        _harness.Store.FileSearched = scanned.Add;

        var page = await _harness.Store.SearchAsync(SearchPattern.Parse("match"), LogFilter.None, new Paging(3, 0));

        Assert.Equal(["match again on day three", "match on day three", "match on day two"], page.Select(e => e.Entry.Message));
        Assert.Equal(["2026-11-25.duckdb", "2026-11-24.duckdb"], scanned);
    }

    [Fact]
    public async Task A_search_cancelled_while_DuckDB_scans_ends_with_OperationCanceledException()
    {
        // Random a/b text against a pattern whose DFA would need 2^20 states: RE2 falls back to its slow NFA, so the
        // scan of these rows is still running when the cancellation lands.
        var random = new Random(7);
        var entries = Enumerable.Range(0, 200_000)
            .Select(i => Entry(new string(Enumerable.Range(0, 200).Select(_ => random.Next(2) == 0 ? 'a' : 'b').ToArray()), at: T0.AddTicks(i * 10)))
            .ToArray();
        foreach (var chunk in entries.Chunk(50_000))
        {
            await _harness.AppendAsync(chunk);
        }

        using var cancel = new CancellationTokenSource();
        var scanning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _harness.Store.FileSearched = _ => scanning.TrySetResult();
        var search = _harness.Store.SearchAsync(SearchPattern.Parse("[ab]*a[ab]{20}c"), LogFilter.None, new Paging(10, 0), cancel.Token);

        await scanning.Task.WaitAsync(TimeSpan.FromSeconds(30));
        cancel.CancelAfter(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => search.WaitAsync(TimeSpan.FromSeconds(60)));
    }

    private async Task<IEnumerable<string>> Search(string query) =>
        (await _harness.Store.SearchAsync(SearchPattern.Parse(query), LogFilter.None, new Paging(10, 0))).Select(e => e.Entry.Message);
}

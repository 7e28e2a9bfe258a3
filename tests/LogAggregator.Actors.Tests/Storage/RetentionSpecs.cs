using Akka.Actor;
using LogAggregator.Model;
using LogAggregator.Storage;
using LogAggregator.Storage.DuckDb;
using static LogAggregator.Storage.RetentionProtocol;

namespace LogAggregator.Tests.Storage;

public sealed class RetentionSpecs : ActorSpec
{
    [Fact]
    public async Task Day_files_older_than_the_retention_are_deleted_and_newer_ones_kept()
    {
        var clock = new MutableClock(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));
        await using var store = new DuckDbLogStore(new DuckDbLogStoreOptions(Path.Combine(Root, "retention"), "256MB", 1), clock);
        await store.AppendAsync([Entry("arrived on the 1st")], []);
        clock.Now = clock.Now.AddDays(2);
        await store.AppendAsync([Entry("arrived on the 3rd")], []);
        clock.Now = new DateTimeOffset(2026, 11, 9, 0, 30, 0, TimeSpan.Zero);
        await store.AppendAsync([Entry("arrived on the 9th")], []);
        Sys.EventStream.Subscribe(TestActor, typeof(RetentionCompleted));

        Sys.ActorOf(Retention.Props(store, retentionDays: 7, TimeSpan.FromHours(24), clock));

        var completed = ExpectMsg<RetentionCompleted>(TimeSpan.FromSeconds(10));
        Assert.Equal(new DateOnly(2026, 11, 2), completed.OldestKept);
        Assert.Equal([new DateOnly(2026, 11, 1)], completed.Deleted);
        var left = await store.QueryAsync(LogFilter.None, new Paging(10, 0));
        Assert.Equal(["arrived on the 9th", "arrived on the 3rd"], left.Entries.Select(e => e.Entry.Message));
        Assert.False(File.Exists(Path.Combine(Root, "retention", "logs", "2026-11-01.duckdb")));
    }

    [Fact]
    public void Oldest_kept_day_is_retention_days_before_today()
    {
        Assert.Equal(new DateOnly(2024, 1, 8), Retention.OldestKept(new DateTime(2024, 1, 15, 23, 59, 0, DateTimeKind.Utc), 7));
        Assert.Equal(new DateOnly(2024, 1, 14), Retention.OldestKept(new DateTime(2024, 1, 15, 0, 0, 0, DateTimeKind.Utc), 1));
    }

    private static LogEntry Entry(string message) =>
        new(new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc), Level.Info, "ATLAS", message, "api", LogEntry.EmptyMetadata);
}

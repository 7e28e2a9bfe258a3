using Akka.Actor;
using LogAggregator.Model;
using LogAggregator.Querying;
using LogAggregator.Storage;
using static LogAggregator.Querying.LogQueryProtocol;

namespace LogAggregator.Tests.Querying;

public sealed class LogQuerySpecs : Akka.TestKit.Xunit2.TestKit
{
    public static TheoryData<string> Scans() => ["logs", "search", "context", "histogram", "errors_summary"];

    private static ILogQuery Question(string kind, CancellationToken token) => kind switch
    {
        "logs" => new QueryLogs(LogFilter.None, new Paging(10, 0), token),
        "search" => new SearchLogs(SearchPattern.Parse("x"), LogFilter.None, new Paging(10, 0), token),
        "context" => new GetContext("20261123-1", 5, 5, token),
        "histogram" => new GetHistogram(LogFilter.None, HistogramInterval.Hour, token),
        _ => new GetErrorSummary(DateTime.UnixEpoch, DateTime.UtcNow, 10, token),
    };

    [Theory]
    [MemberData(nameof(Scans))]
    public async Task Cancelling_a_question_cancels_the_store_scan_it_started(string kind)
    {
        var store = new ScanUntilCancelledStore();
        var query = Sys.ActorOf(Props.Create(() => new LogQuery(store)));
        using var asker = new CancellationTokenSource();

        query.Tell(Question(kind, asker.Token), TestActor);
        var token = await store.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(token.IsCancellationRequested);
        await asker.CancelAsync();

        await store.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        ExpectMsg<Status.Failure>(f => f.Cause is OperationCanceledException);
    }

    /// <summary>Every scan starts and runs until its token is cancelled; the token seen is recorded.</summary>
    private sealed class ScanUntilCancelledStore : ILogStore
    {
        public TaskCompletionSource<CancellationToken> Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<LogPage> QueryAsync(LogFilter filter, Paging paging, CancellationToken cancellationToken = default) =>
            Scan<LogPage>(cancellationToken);

        public Task<IReadOnlyList<StoredEntry>> SearchAsync(
            SearchPattern pattern, LogFilter filter, Paging paging, CancellationToken cancellationToken = default) =>
            Scan<IReadOnlyList<StoredEntry>>(cancellationToken);

        public Task<LogContext?> GetContextAsync(string id, int before, int after, CancellationToken cancellationToken = default) =>
            Scan<LogContext?>(cancellationToken);

        public Task<Histogram> HistogramAsync(LogFilter filter, HistogramInterval interval, CancellationToken cancellationToken = default) =>
            Scan<Histogram>(cancellationToken);

        public Task<ErrorSummary> ErrorSummaryAsync(DateTime from, DateTime to, int top, CancellationToken cancellationToken = default) =>
            Scan<ErrorSummary>(cancellationToken);

        public Task<IReadOnlyList<AgentLevelCount>> CountAsync(LogFilter filter, CancellationToken cancellationToken = default) =>
            Scan<IReadOnlyList<AgentLevelCount>>(cancellationToken);

        public Task<IReadOnlyList<string>> AppendAsync(
            IReadOnlyList<LogEntry> entries, IReadOnlyList<SourceMark> marks, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<IReadOnlyList<SourceMark>> GetMarksAsync(string sourceKey, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<StoredEntry?> GetAsync(string id, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<string>> GetAgentsAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<StoreStats> GetStatsAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<DateOnly>> DeleteDaysBeforeAsync(DateOnly oldestKept, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<IReadOnlyList<string>> AdmitAgentsAsync(
            IReadOnlyCollection<string> agentKeys, int maxAgentsPerDay, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<StoreHealth> CheckHealthAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private async Task<T> Scan<T>(CancellationToken cancellationToken)
        {
            Started.TrySetResult(cancellationToken);
            var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using (cancellationToken.Register(() => stopped.TrySetResult()))
            {
                await stopped.Task;
            }

            Cancelled.TrySetResult();
            throw new OperationCanceledException(cancellationToken);
        }
    }
}

using LogAggregator.Model;
using LogAggregator.Storage;
using LogAggregator.Tests.Shared;

namespace LogAggregator.Tests.Storage;

/// <summary>
/// A real log store whose chosen <see cref="ILogStore.AppendAsync"/> calls fail. A failing call first waits
/// until the next call has arrived (or <see cref="FailAfter"/> has passed), then throws: the worst case for
/// ordering, where a later batch could commit ahead of the failed one. Everything else is the inner store's (the spec owns and disposes it).
/// </summary>
public sealed class FailingLogStore(ILogStore inner, params int[] failingCalls) : ForwardingLogStore(inner, ownsInner: false)
{
    public static readonly TimeSpan FailAfter = TimeSpan.FromSeconds(1);

    private readonly HashSet<int> _failing = [.. failingCalls];
    private readonly object _gate = new();
    private TaskCompletionSource _nextCall = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _calls;

    /// <summary>How many appends have been made, the failed ones included.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>The number of entries of every append, in call order.</summary>
    public List<int> AppendSizes { get; } = [];

    public override async Task<IReadOnlyList<string>> AppendAsync(
        IReadOnlyList<LogEntry> entries, IReadOnlyList<SourceMark> marks, CancellationToken cancellationToken = default)
    {
        int call;
        Task nextCall;
        lock (_gate)
        {
            call = ++_calls;
            AppendSizes.Add(entries.Count);
            _nextCall.TrySetResult();
            _nextCall = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            nextCall = _nextCall.Task;
        }

        if (!_failing.Contains(call))
        {
            return await Inner.AppendAsync(entries, marks, cancellationToken);
        }

        await Task.WhenAny(nextCall, Task.Delay(FailAfter, CancellationToken.None));
        throw new IOException($"append {call} failed on purpose");
    }
}

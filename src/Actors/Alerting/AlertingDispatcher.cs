using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Event;

namespace LogAggregator.Alerting;

/// <summary>
/// Alerting runs behind ingestion. Its actors (intake, deciders, notifier, scheduled checks, catch-up) run on threads
/// of their own at a lower scheduling priority (<c>nice</c>, see hocon/logaggregator.conf), so an error storm takes
/// the CPU that commits leave free instead of slowing the commits that are the record of its occurrences. The journal
/// that records their decisions is not among them: file tailers wait for it (see AkkaConfiguration.PersistenceConfig). The pages of a storm go out as soon as there is CPU for them; on a
/// saturated node the kernel still gives these threads a share (nice 10 weighs about a tenth of a normal thread), so
/// they are late, never starved.
/// </summary>
public static class AlertingDispatcher
{
    public const string Id = "log-aggregator-alerting-dispatcher";
}

/// <summary>
/// The executor of <see cref="AlertingDispatcher"/>: <c>low-priority-executor.thread-count</c> dedicated threads named
/// <c>{thread-name}-{n}</c>, each lowering its own priority to <c>low-priority-executor.nice</c> when it starts (Linux;
/// elsewhere, or when the process already runs nicer than that, they keep the process's priority). Named in a dispatcher's
/// <c>executor</c> setting by its assembly-qualified type name.
/// </summary>
public sealed class LowPriorityExecutorConfigurator(Config config, IDispatcherPrerequisites prerequisites)
    : ExecutorServiceConfigurator(config, prerequisites)
{
    public override ExecutorService Produce(string id) => new LowPriorityExecutor(
        id,
        Config.GetString("low-priority-executor.thread-name", id),
        Math.Max(1, Config.GetInt("low-priority-executor.thread-count", 2)),
        Math.Clamp(Config.GetInt("low-priority-executor.nice", 10), 0, 19),
        Prerequisites.EventStream);
}

internal sealed class LowPriorityExecutor : ExecutorService
{
    private readonly BlockingCollection<IRunnable> _queue = new();
    private readonly EventStream _events;

    public LowPriorityExecutor(string id, string threadName, int threads, int nice, EventStream events)
        : base(id)
    {
        _events = events;
        for (var i = 0; i < threads; i++)
        {
            new Thread(() => Work(nice)) { IsBackground = true, Name = $"{threadName}-{i + 1}" }.Start();
        }
    }

    public override void Execute(IRunnable run)
    {
        try
        {
            _queue.Add(run);
        }
        catch (InvalidOperationException)
        {
            throw new RejectedExecutionException($"{Id} is shut down");
        }
    }

    /// <summary>What is queued still runs; then the threads end.</summary>
    public override void Shutdown() => _queue.CompleteAdding();

    private void Work(int nice)
    {
        if (!ThreadNiceness.TryLower(nice, out var error))
        {
            _events.Publish(new Warning(Id, typeof(LowPriorityExecutor),
                $"Thread {Thread.CurrentThread.Name} keeps the process's scheduling priority: {error}"));
        }

        foreach (var run in _queue.GetConsumingEnumerable())
        {
            try
            {
                run.Run();
            }
            catch (Exception e)
            {
                _events.Publish(new Error(e, Id, typeof(LowPriorityExecutor), $"A task on {Thread.CurrentThread.Name} failed: {e.Message}"));
            }
        }
    }
}

/// <summary>The calling thread's own nice value (Linux keeps one per thread).</summary>
internal static partial class ThreadNiceness
{
    private const int PrioProcess = 0;

    /// <summary>Raises the calling thread's nice value to <paramref name="nice"/>; never lowers it (that needs privileges).</summary>
    public static bool TryLower(int nice, out string? error)
    {
        error = null;
        if (!OperatingSystem.IsLinux())
        {
            error = "thread priorities are only lowered on Linux";
            return false;
        }

        var tid = GetTid();
        if (Read(tid, out var errno) is not { } current)
        {
            error = $"getpriority failed (errno {errno})";
            return false;
        }

        if (current >= nice)
        {
            return true;
        }

        if (SetPriority(PrioProcess, tid, nice) != 0)
        {
            error = $"setpriority failed (errno {Marshal.GetLastPInvokeError()})";
            return false;
        }

        return true;
    }

    /// <summary>The calling thread's nice value, or null where it cannot be read.</summary>
    public static int? Current() => OperatingSystem.IsLinux() ? Read(GetTid(), out _) : null;

    /// <summary>Thread <paramref name="tid"/>'s nice value; null with <paramref name="errno"/> when it cannot be read (-1 is a nice value too).</summary>
    private static int? Read(int tid, out int errno)
    {
        Marshal.SetLastPInvokeError(0);
        var nice = GetPriority(PrioProcess, tid);
        errno = Marshal.GetLastPInvokeError();
        return nice == -1 && errno != 0 ? null : nice;
    }

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();

    [LibraryImport("libc", EntryPoint = "getpriority", SetLastError = true)]
    private static partial int GetPriority(int which, int who);

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, int who, int prio);
}

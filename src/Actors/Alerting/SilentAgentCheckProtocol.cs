using System.Collections.Immutable;
using Akka.Event;

namespace LogAggregator.Alerting;

public static class SilentAgentCheckProtocol
{
    /// <summary>Look for silent agents (every check-interval; specs send it after moving the clock).</summary>
    public sealed class Tick : IDeadLetterSuppression
    {
        public static readonly Tick Instance = new();

        private Tick()
        {
        }
    }

    /// <summary>Journaled when an agent is found silent: one alert per silence, kept until the notifier accepts it.</summary>
    public sealed record AgentWentSilent(string AgentKey, Alert Alert);

    /// <summary>Journaled when a silent agent logs again (or has logged nothing for the whole lookback): the silence is over.</summary>
    public sealed record SilenceEnded(string AgentKey);

    public sealed record SilentAgentState(ImmutableSortedSet<string> Silent, ImmutableList<Alert> Pending)
    {
        public static readonly SilentAgentState Empty = new(ImmutableSortedSet.Create<string>(StringComparer.Ordinal), []);

        public SilentAgentState Apply(AgentWentSilent e) => this with { Silent = Silent.Add(e.AgentKey), Pending = Pending.Add(e.Alert) };

        public SilentAgentState Apply(SilenceEnded e) => this with { Silent = Silent.Remove(e.AgentKey) };

        public SilentAgentState Apply(AlertHandedOver e) => this with { Pending = Pending.RemoveAll(a => a.Id == e.AlertId) };
    }
}

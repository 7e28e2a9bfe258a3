namespace LogAggregator.Alerting;

public static class AlertCatchUpProtocol
{
    /// <summary>Published on the event stream once the catch-up handed everything over, so tests and operators see it.</summary>
    public sealed record CatchUpCompleted(int Entries, int Keys);
}

namespace LogAggregator.Tests.Ingestion;

internal static class IngestionFixtures
{
    public const string SourcePath = "/var/log/my-agent.log";
    public const string FileAgent = "MY_AGENT";

    public static readonly DateTime Now = new(2025, 6, 1, 12, 0, 0, DateTimeKind.Utc);

    /// <summary>An expected timestamp: an ISO-8601 UTC text, or null for "the time of ingestion".</summary>
    public static DateTime At(string? iso) =>
        iso is null ? Now : DateTime.Parse(iso, null, System.Globalization.DateTimeStyles.RoundtripKind);
}

internal sealed class FixedClock(DateTime now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => new(now);
}

using LogAggregator.Alerting;
using LogAggregator.Model;
using LogAggregator.Tests.Configuration;

namespace LogAggregator.Tests.Alerting;

public sealed class KnownPatternsTests
{
    private static readonly KnownPatterns Defaults = new(ShippedSettings.Value.Alerting.Patterns);

    [Theory]
    [InlineData("Connection refused by 10.0.0.5:5432", "database_connection")]
    [InlineData("PostgreSQL said: too many clients", "database_connection")]
    [InlineData("OOM killer chose pid 4412", "out_of_memory")]
    [InlineData("HTTP 401 from billing", "authentication")]
    [InlineData("Rate limit hit for tenant 7", "rate_limit")]
    [InlineData("Disk quota exceeded on /var", "disk_space")]
    [InlineData("heap exhausted while the database was busy", "database_connection")]
    [InlineData("databases synced", null)]
    [InlineData("status 4010 returned", null)]
    [InlineData("roomba docked", null)]
    public void Keywords_match_as_whole_words_case_insensitively(string message, string? pattern) =>
        Assert.Equal(pattern, Defaults.Match(message)?.Name);

    [Fact]
    public void A_patterns_list_in_the_operator_file_replaces_the_defaults()
    {
        using var file = new OperatorFile("""
            log-aggregator.alerting.patterns = [{ name = replication_lag, regex = "replica \\w+ lag(ging)? \\d+ ?s", level = warning, title = "Replication lag", threshold = 3 }]
            """);
        var settings = OperatorFile.Load([], file.Path).Alerting;

        Assert.Equal(["replication_lag"], settings.Patterns.Select(p => p.Name));
        var added = new KnownPatterns(settings.Patterns).Match("replica db2 lagging 45 s");
        Assert.Equal("replication_lag", added?.Name);
        Assert.Equal(Level.Warning, added?.Level);
        Assert.Equal(3, added?.Threshold);
    }
}

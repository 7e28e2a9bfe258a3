namespace LogAggregator.Configuration;

/// <summary>AKKA_SEEDS accepts <c>host:port</c> or full <c>akka.tcp://log-aggregator@host:port</c> addresses.</summary>
public static class SeedNodes
{
    public const string SystemName = "log-aggregator";

    public static IReadOnlyList<string> ParseList(string value, string name) =>
        value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(seed => Normalize(seed, name))
            .ToList();

    private static string Normalize(string seed, string name)
    {
        if (seed.StartsWith("akka.tcp://", StringComparison.Ordinal))
        {
            return seed;
        }

        var colon = seed.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(seed[(colon + 1)..], out var port) || port is < 1 or > 65_535)
        {
            throw new ConfigurationException($"{name} entries must be host:port or akka.tcp://{SystemName}@host:port, got '{seed}'");
        }

        return $"akka.tcp://{SystemName}@{seed}";
    }
}

using LogAggregator.Configuration;

namespace LogAggregator.Tests;

/// <summary>The settings of the shipped <c>hocon/logaggregator.conf</c> with no operator file and no environment.</summary>
public static class ShippedSettings
{
    public static readonly string File =
        Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "hocon", "logaggregator.conf"));

    private static readonly Lazy<LogAggregatorSettings> Loaded =
        new(() => LogAggregatorConfig.Load(new Dictionary<string, string?>(), null, File, Path.GetTempPath()).Settings);

    public static LogAggregatorSettings Value => Loaded.Value;
}

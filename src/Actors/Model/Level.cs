namespace LogAggregator.Model;

/// <summary>Severity of an entry. The numeric value is what the log store keeps, so it must never change.</summary>
public enum Level : byte
{
    Debug = 0,
    Info = 1,
    Warning = 2,
    Error = 3,
    Critical = 4,
    Fatal = 5,
}

public static class Levels
{
    public static readonly IReadOnlyList<Level> All =
        [Level.Debug, Level.Info, Level.Warning, Level.Error, Level.Critical, Level.Fatal];

    /// <summary>The contract's spelling: DEBUG, INFO, WARNING, ERROR, CRITICAL, FATAL.</summary>
    public static string Name(this Level level) => level switch
    {
        Level.Debug => "DEBUG",
        Level.Info => "INFO",
        Level.Warning => "WARNING",
        Level.Error => "ERROR",
        Level.Critical => "CRITICAL",
        Level.Fatal => "FATAL",
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, null),
    };

    /// <summary>Case-insensitive; WARN means WARNING.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out Level level)
    {
        text = text.Trim();
        level = Level.Info;
        switch (text.Length)
        {
            case 4 when text.Equals("INFO", StringComparison.OrdinalIgnoreCase): level = Level.Info; return true;
            case 4 when text.Equals("WARN", StringComparison.OrdinalIgnoreCase): level = Level.Warning; return true;
            case 5 when text.Equals("DEBUG", StringComparison.OrdinalIgnoreCase): level = Level.Debug; return true;
            case 5 when text.Equals("ERROR", StringComparison.OrdinalIgnoreCase): level = Level.Error; return true;
            case 5 when text.Equals("FATAL", StringComparison.OrdinalIgnoreCase): level = Level.Fatal; return true;
            case 7 when text.Equals("WARNING", StringComparison.OrdinalIgnoreCase): level = Level.Warning; return true;
            case 8 when text.Equals("CRITICAL", StringComparison.OrdinalIgnoreCase): level = Level.Critical; return true;
            default: return false;
        }
    }

    public static bool IsAlertWorthy(this Level level) => level >= Level.Error;
}

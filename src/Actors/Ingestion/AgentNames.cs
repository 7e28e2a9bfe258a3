namespace LogAggregator.Ingestion;

public static class AgentNames
{
    public const string Unknown = "UNKNOWN";

    /// <summary>
    /// The agent a tailed file speaks for when its lines do not name one:
    /// <c>/tmp/my-agent.log</c> → <c>MY_AGENT</c>.
    /// </summary>
    public static string FromPath(string path)
    {
        var name = Path.GetFileName(path.AsSpan());
        if (name.Length >= 4 && IsLogSuffix(name[^4..]))
        {
            name = name[..^4];
        }

        if (name.IsEmpty)
        {
            return Unknown;
        }

        return string.Create(name.Length, path, static (dest, p) =>
        {
            var src = Path.GetFileName(p.AsSpan());
            for (var i = 0; i < dest.Length; i++)
            {
                var c = src[i];
                dest[i] = c == '-' ? '_' : char.ToUpperInvariant(c);
            }
        });
    }

    private static bool IsLogSuffix(ReadOnlySpan<char> suffix) =>
        suffix[0] is '.' or '_' or '-' && suffix[1..].Equals("log", StringComparison.OrdinalIgnoreCase);
}

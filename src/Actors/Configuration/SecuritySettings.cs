namespace LogAggregator.Configuration;

/// <summary>What an API key may do. <see cref="Admin"/> grants the other two as well.</summary>
[Flags]
public enum ApiScopes
{
    None = 0,
    /// <summary>Every write path: POST /api/logs, OTLP, Seq, Loki.</summary>
    Ingest = 1,
    /// <summary>Every read: logs, search, stats, agents, alerts, export, live tail.</summary>
    Read = 2,
    /// <summary>Changes: silences (and everything ingest and read allow).</summary>
    Admin = 4 | Ingest | Read,
}

/// <summary>One configured key: its name (the only part ever logged), the SHA-256 of its text, its scopes.</summary>
/// <param name="Short">Given as text shorter than <see cref="ApiKeyParsing.ShortKeyLength"/> characters: warned about at start.</param>
public sealed record ApiKeySettings(string Name, byte[] Sha256, ApiScopes Scopes, bool Short = false);

/// <param name="ApiKeys">Empty: keys are off and every endpoint is open, as the old service's were.</param>
/// <param name="OpenHealthAndMetrics">
/// With keys on, whether <c>/health</c>, <c>/metrics</c> and the OpenAPI document still answer without a key (HOCON
/// <c>security.open-health-and-metrics</c>); off, they need a key with the read scope.
/// </param>
public sealed record SecuritySettings(IReadOnlyList<ApiKeySettings> ApiKeys, bool OpenHealthAndMetrics = true)
{
    public static readonly SecuritySettings Open = new([]);

    public bool KeysRequired => ApiKeys.Count > 0;
}

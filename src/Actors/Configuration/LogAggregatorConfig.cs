using System.Globalization;
using System.Text;
using System.Text.Json;
using Akka.Configuration;
using Akka.Configuration.Hocon;
using LogAggregator.Storage.DuckDb;

namespace LogAggregator.Configuration;

/// <summary>
/// Builds the node's configuration: the shipped HOCON, an operator's file on top, then the environment
/// variables of the old service on top of both. Akka.NET's HOCON parser ignores <c>${?VAR}</c>, so the
/// variables become a HOCON fragment here, in the one place that knows their names.
/// </summary>
public static class LogAggregatorConfig
{
    public const string DefaultFileName = "logaggregator.conf";

    /// <summary>Environment variable → HOCON path, for the error messages and the fragment.</summary>
    private static readonly (string Variable, string Path)[] Variables =
    [
        ("HERMES_URL", "log-aggregator.hermes-url"),
        ("LOG_SOURCES", "log-aggregator.log-sources"),
        ("AGGREGATED_DIR", "log-aggregator.aggregated-dir"),
        ("RETENTION_DAYS", "log-aggregator.retention-days"),
        ("COLLECT_INTERVAL", "log-aggregator.collect-interval"),
        ("AKKA_HOSTNAME", "akka.remote.dot-netty.tcp.hostname"),
        ("AKKA_PORT", "akka.remote.dot-netty.tcp.port"),
        ("AKKA_SEEDS", "akka.cluster.seed-nodes"),
        ("DATABASE_PROVIDER", "log-aggregator.storage.provider"),
        ("DATABASE_CONNECTION", "log-aggregator.storage.connection"),
        ("SYSLOG_TCP_PORT", "log-aggregator.protocols.syslog.tcp-port"),
        ("SYSLOG_UDP_PORT", "log-aggregator.protocols.syslog.udp-port"),
    ];

    public static string DefaultFilePath => Path.Combine(AppContext.BaseDirectory, "hocon", DefaultFileName);

    /// <summary>Loads and validates; throws <see cref="ConfigurationException"/> with a one-line message.</summary>
    public static (Config Hocon, LogAggregatorSettings Settings) Load(
        IReadOnlyDictionary<string, string?> environment,
        string? operatorFile = null,
        string? defaultFile = null,
        string? workingDirectory = null)
    {
        var config = ReadFile(defaultFile ?? DefaultFilePath);
        operatorFile ??= Get(environment, "LOG_AGGREGATOR_CONFIG");
        if (operatorFile is not null)
        {
            config = ReadFile(operatorFile).WithFallback(config);
        }

        var fragment = EnvironmentFragment(environment);
        if (fragment.Length > 0)
        {
            config = ConfigurationFactory.ParseString(fragment).WithFallback(config);
        }

        var settings = Read(config, environment, workingDirectory ?? Directory.GetCurrentDirectory());
        return (config, settings);
    }

    public static IReadOnlyDictionary<string, string?> ProcessEnvironment()
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            result[(string)e.Key] = e.Value as string;
        }

        return result;
    }

    /// <summary>
    /// Reads a HOCON file whose <c>include "other.conf"</c> lines name files relative to the file that includes them
    /// (so the nodes of a cluster can share one file and keep only their own address apart); what a file says itself
    /// wins over what it includes.
    /// </summary>
    private static Config ReadFile(string path)
    {
        try
        {
            return new Config(Parse(path, depth: 0));
        }
        catch (Exception e) when (e is not ConfigurationException)
        {
            throw new ConfigurationException($"configuration file '{path}' is not valid HOCON: {OneLine(e.Message)}");
        }
    }

    private const int MaxIncludeDepth = 16;

    private static HoconRoot Parse(string path, int depth)
    {
        if (!File.Exists(path))
        {
            throw new ConfigurationException($"configuration file '{path}' does not exist");
        }

        if (depth > MaxIncludeDepth)
        {
            throw new ConfigurationException($"configuration file '{path}': includes nest deeper than {MaxIncludeDepth} (a file including itself?)");
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        return Parser.Parse(File.ReadAllText(path), included => Parse(Path.Combine(directory, included), depth + 1));
    }

    /// <summary>Each variable is checked here so that its error names the variable, not the HOCON path.</summary>
    private static string EnvironmentFragment(IReadOnlyDictionary<string, string?> environment)
    {
        var hocon = new StringBuilder();
        foreach (var (variable, path) in Variables)
        {
            var value = Get(environment, variable);
            if (value is null)
            {
                continue;
            }

            var hoconValue = variable switch
            {
                "LOG_SOURCES" => List(Globs.ParseList(value, variable)),
                "AKKA_SEEDS" => List(SeedNodes.ParseList(value, variable)),
                "RETENTION_DAYS" => WholeNumber(variable, value, 1, 36_500).ToString(CultureInfo.InvariantCulture),
                "AKKA_PORT" or "SYSLOG_TCP_PORT" or "SYSLOG_UDP_PORT" =>
                    WholeNumber(variable, value, 0, 65_535).ToString(CultureInfo.InvariantCulture),
                "COLLECT_INTERVAL" => Seconds(variable, value),
                "DATABASE_PROVIDER" => Quote(Provider(variable, value).ToString().ToLowerInvariant()),
                _ => Quote(value),
            };
            hocon.Append(path).Append(" = ").Append(hoconValue).Append('\n');
        }

        return hocon.ToString();
    }

    private static LogAggregatorSettings Read(Config config, IReadOnlyDictionary<string, string?> environment, string workingDirectory)
    {
        var root = config.GetConfig("log-aggregator")
                   ?? throw new ConfigurationException("log-aggregator: section missing from the configuration");

        var sources = root.GetStringList("log-sources");
        foreach (var source in sources)
        {
            Globs.Validate(source, "log-aggregator.log-sources");
        }

        var provider = Provider("log-aggregator.storage.provider", root.GetString("storage.provider", "embedded"));
        var connection = root.GetString("storage.connection", "");
        if (provider == DatabaseProvider.PostgreSql && string.IsNullOrWhiteSpace(connection))
        {
            throw new ConfigurationException("DATABASE_CONNECTION must be set when DATABASE_PROVIDER is postgresql");
        }

        var seeds = config.GetStringList("akka.cluster.seed-nodes").ToList();
        if (seeds.Count > 0 && provider == DatabaseProvider.Embedded)
        {
            // Each node would write its own DuckDB files, ids would collide, and every node would answer for its own
            // entries only: a cluster that looks fine and is silently wrong.
            var name = Get(environment, "AKKA_SEEDS") is not null ? "AKKA_SEEDS" : "akka.cluster.seed-nodes";
            throw new ConfigurationException(
                $"{name} forms a cluster, which needs the shared store (DATABASE_PROVIDER=postgresql); the embedded store keeps each node's entries apart");
        }

        var hermes = root.GetString("hermes-url", "");
        if (!Uri.TryCreate(hermes, UriKind.Absolute, out var hermesUri) || hermesUri.Scheme is not ("http" or "https"))
        {
            throw new ConfigurationException($"HERMES_URL must be an http(s) URL, got '{hermes}'");
        }

        var aggregated = root.GetString("aggregated-dir", "aggregated");
        if (string.IsNullOrWhiteSpace(aggregated))
        {
            throw new ConfigurationException("AGGREGATED_DIR must not be empty");
        }

        var handOffLinger = NonNegativeDuration(root, "alerting.hand-off-linger", "log-aggregator.alerting.hand-off-linger");
        var handOffMaxLinger = NonNegativeDuration(root, "alerting.hand-off-max-linger", "log-aggregator.alerting.hand-off-max-linger");
        if (handOffMaxLinger < handOffLinger)
        {
            throw new ConfigurationException(
                $"log-aggregator.alerting.hand-off-max-linger must be at least hand-off-linger ({Raw(root, "alerting.hand-off-linger")}), got '{Raw(root, "alerting.hand-off-max-linger")}'");
        }

        return new LogAggregatorSettings
        {
            HermesUrl = hermes.TrimEnd('/'),
            LogSources = sources.ToList(),
            AggregatedDir = Path.GetFullPath(aggregated, workingDirectory),
            RetentionDays = Positive(root, "retention-days", "RETENTION_DAYS"),
            CollectInterval = PositiveDuration(root, "collect-interval", "COLLECT_INTERVAL"),
            RetentionInterval = PositiveDuration(root, "retention.interval", "log-aggregator.retention.interval"),
            AkkaHostname = config.GetString("akka.remote.dot-netty.tcp.hostname", "127.0.0.1"),
            AkkaPort = config.GetInt("akka.remote.dot-netty.tcp.port", 4053),
            SeedNodes = seeds,
            DatabaseProvider = provider,
            DatabaseConnection = connection,
            Http = new HttpSettings(
                MaxBodySize: Size(root, "http.max-body-size"),
                AskTimeout: PositiveDuration(root, "http.ask-timeout", "log-aggregator.http.ask-timeout"),
                TailHeartbeat: PositiveDuration(root, "http.tail-heartbeat", "log-aggregator.http.tail-heartbeat"),
                ExportMaxEntries: Positive(root, "http.export-max-entries", "log-aggregator.http.export-max-entries"),
                MaxIngestInFlight: Size(root, "http.max-ingest-in-flight"),
                MaxConcurrentSearches: Positive(root, "http.max-concurrent-searches", "log-aggregator.http.max-concurrent-searches"),
                MaxSearchRange: NonNegativeDuration(root, "http.max-search-range", "log-aggregator.http.max-search-range"),
                RateLimit: new RateLimitSettings(
                    NonNegative(root, "http.rate-limit.requests-per-second", "log-aggregator.http.rate-limit.requests-per-second"),
                    Positive(root, "http.rate-limit.burst", "log-aggregator.http.rate-limit.burst"))),
            Ingestion = new IngestionSettings(
                BatchSize: Positive(root, "ingestion.batch-size", "log-aggregator.ingestion.batch-size"),
                MaxInFlight: Positive(root, "ingestion.max-in-flight", "log-aggregator.ingestion.max-in-flight"),
                ReadChunk: (int)Math.Min(int.MaxValue, Size(root, "ingestion.read-chunk")),
                PollInterval: PositiveDuration(root, "ingestion.poll-interval", "log-aggregator.ingestion.poll-interval"),
                IdleFlush: PositiveDuration(root, "ingestion.idle-flush", "log-aggregator.ingestion.idle-flush"),
                MultiLineWait: PositiveDuration(root, "ingestion.multi-line-wait", "log-aggregator.ingestion.multi-line-wait"),
                MaxAgentLength: Positive(root, "ingestion.max-agent-length", "log-aggregator.ingestion.max-agent-length"),
                MaxAgentsPerDay: Positive(root, "storage.max-agents-per-day", IngestionSettings.MaxAgentsPerDaySetting),
                MaxLineBytes: (int)Math.Min(int.MaxValue, Size(root, "ingestion.max-line-bytes")),
                IdlePollMax: PositiveDuration(root, "ingestion.idle-poll-max", "log-aggregator.ingestion.idle-poll-max"),
                RotateWait: PositiveDuration(root, "ingestion.rotate-wait", "log-aggregator.ingestion.rotate-wait")),
            DuckDb = new DuckDbSettings(
                MemoryLimit: root.GetString("storage.duckdb.memory-limit", "1GB"),
                Threads: Positive(root, "storage.duckdb.threads", "log-aggregator.storage.duckdb.threads"),
                CheckpointThreshold: root.GetString("storage.duckdb.checkpoint-threshold", DuckDbLogStoreOptions.DefaultCheckpointThreshold)),
            Cluster = new ClusterSettings(Positive(root, "cluster.shards", "log-aggregator.cluster.shards")),
            Postgres = new PostgresSettings(
                SearchTimeout: PositiveDuration(root, "storage.postgresql.search-timeout", "log-aggregator.storage.postgresql.search-timeout")),
            Alerting = new AlertingSettings(
                Enabled: root.GetBoolean("alerting.enabled", true),
                PublicUrl: HttpUrl(root.GetString("alerting.public-url", ""), "log-aggregator.alerting.public-url"),
                Window: PositiveDuration(root, "alerting.window", "log-aggregator.alerting.window"),
                ErrorThreshold: Positive(root, "alerting.error-threshold", "log-aggregator.alerting.error-threshold"),
                Cooldown: PositiveDuration(root, "alerting.cooldown", "log-aggregator.alerting.cooldown"),
                MaxEntryAge: PositiveDuration(root, "alerting.max-entry-age", "log-aggregator.alerting.max-entry-age"),
                CatchUp: PositiveDuration(root, "alerting.catch-up", "log-aggregator.alerting.catch-up"),
                Samples: Positive(root, "alerting.samples", "log-aggregator.alerting.samples"),
                HandOffLinger: handOffLinger,
                HandOffMaxLinger: handOffMaxLinger,
                Patterns: KnownPatterns(root),
                Delivery: new AlertDeliverySettings(
                    RequestTimeout: PositiveDuration(root, "alerting.delivery.request-timeout", "log-aggregator.alerting.delivery.request-timeout"),
                    MinBackoff: PositiveDuration(root, "alerting.delivery.min-backoff", "log-aggregator.alerting.delivery.min-backoff"),
                    MaxBackoff: PositiveDuration(root, "alerting.delivery.max-backoff", "log-aggregator.alerting.delivery.max-backoff")),
                DailySummary: new DailySummarySettings(
                    Enabled: root.GetBoolean("alerting.daily-summary.enabled", true),
                    At: TimeOfDay(root.GetString("alerting.daily-summary.at", "08:00"), "log-aggregator.alerting.daily-summary.at")),
                SilentAgents: new SilentAgentSettings(
                    Enabled: root.GetBoolean("alerting.silent-agents.enabled", true),
                    After: PositiveDuration(root, "alerting.silent-agents.after", "log-aggregator.alerting.silent-agents.after"),
                    Lookback: PositiveDuration(root, "alerting.silent-agents.lookback", "log-aggregator.alerting.silent-agents.lookback"),
                    CheckInterval: PositiveDuration(root, "alerting.silent-agents.check-interval", "log-aggregator.alerting.silent-agents.check-interval"))),
            Security = Security(root, environment),
            Protocols = new ProtocolSettings(
                SeqAgentProperty: NonEmpty(root, "protocols.seq.agent-property", ProtocolSettings.Default.SeqAgentProperty),
                SyslogTcpPort: Port(root, "protocols.syslog.tcp-port", "SYSLOG_TCP_PORT"),
                SyslogUdpPort: Port(root, "protocols.syslog.udp-port", "SYSLOG_UDP_PORT"),
                SyslogHost: NonEmpty(root, "protocols.syslog.host", ProtocolSettings.Default.SyslogHost),
                SyslogBatchSize: root.HasPath("protocols.syslog.batch-size")
                    ? Positive(root, "protocols.syslog.batch-size", "log-aggregator.protocols.syslog.batch-size")
                    : ProtocolSettings.Default.SyslogBatchSize),
        };

        string NonEmpty(Config section, string path, string fallback)
        {
            var value = section.GetString(path, fallback);
            return string.IsNullOrWhiteSpace(value)
                ? throw new ConfigurationException($"log-aggregator.{path} must not be empty")
                : value;
        }

        int Port(Config section, string path, string variable)
        {
            var name = Get(environment, variable) is not null ? variable : "log-aggregator." + path;
            try
            {
                var value = section.GetInt(path, 0);
                return value is >= 0 and <= 65_535 ? value : throw new FormatException();
            }
            catch (Exception e) when (e is not ConfigurationException)
            {
                throw new ConfigurationException($"{name} must be a port number from 0 (off) to 65535, got '{Raw(section, path)}'");
            }
        }

        string Name(string path, string fallback) =>
            Variables.FirstOrDefault(v => v.Path == "log-aggregator." + path) is { Variable: not null } v
            && Get(environment, v.Variable) is not null
                ? v.Variable
                : fallback;

        int Positive(Config section, string path, string name)
        {
            try
            {
                var value = section.GetInt(path);
                return value >= 1 ? value : throw new FormatException();
            }
            catch (Exception e) when (e is not ConfigurationException)
            {
                throw new ConfigurationException($"{Name(path, name)} must be a whole number ≥ 1, got '{Raw(section, path)}'");
            }
        }

        int NonNegative(Config section, string path, string name)
        {
            try
            {
                var value = section.GetInt(path);
                return value >= 0 ? value : throw new FormatException();
            }
            catch (Exception e) when (e is not ConfigurationException)
            {
                throw new ConfigurationException($"{Name(path, name)} must be a whole number ≥ 0, got '{Raw(section, path)}'");
            }
        }

        TimeSpan PositiveDuration(Config section, string path, string name)
        {
            try
            {
                var value = section.GetTimeSpan(path, null, allowInfinite: false);
                return value > TimeSpan.Zero ? value : throw new FormatException();
            }
            catch (Exception e) when (e is not ConfigurationException)
            {
                throw new ConfigurationException($"{Name(path, name)} must be a positive duration, got '{Raw(section, path)}'");
            }
        }

        TimeSpan NonNegativeDuration(Config section, string path, string name)
        {
            try
            {
                var value = section.GetTimeSpan(path, null, allowInfinite: false);
                return value >= TimeSpan.Zero ? value : throw new FormatException();
            }
            catch (Exception e) when (e is not ConfigurationException)
            {
                throw new ConfigurationException($"{Name(path, name)} must be a duration of zero or more, got '{Raw(section, path)}'");
            }
        }

        long Size(Config section, string path)
        {
            try
            {
                var value = section.GetByteSize(path) ?? throw new FormatException();
                return value >= 1 ? value : throw new FormatException();
            }
            catch (Exception e) when (e is not ConfigurationException)
            {
                throw new ConfigurationException($"log-aggregator.{path} must be a size such as 10MiB, got '{Raw(section, path)}'");
            }
        }
    }

    /// <summary>
    /// API_KEYS replaces the HOCON list. It is read here rather than put into the HOCON fragment: the fragment becomes
    /// the actor system's configuration, and the text of a key must not live on in memory (only its hash does).
    /// </summary>
    private static SecuritySettings Security(Config root, IReadOnlyDictionary<string, string?> environment)
    {
        var variable = Get(environment, ApiKeyParsing.Variable);
        var keys = variable is not null ? ApiKeyParsing.ParseVariable(variable) : ApiKeyParsing.ParseHocon(root);
        bool open;
        try
        {
            open = root.GetBoolean("security.open-health-and-metrics", true);
        }
        catch (Exception e) when (e is not ConfigurationException)
        {
            throw new ConfigurationException($"log-aggregator.security.open-health-and-metrics must be on or off, got '{Raw(root, "security.open-health-and-metrics")}'");
        }

        return new SecuritySettings(keys, open);
    }

    /// <summary>
    /// The known issue patterns, each checked here so that a mistake stops start-up with one line naming the pattern:
    /// a regex that does not compile (or needs backtracking), no keywords and no regex, an unknown level.
    /// </summary>
    private static List<KnownPatternSettings> KnownPatterns(Config root)
    {
        const string path = "log-aggregator.alerting.patterns";
        var patterns = new List<KnownPatternSettings>();
        var value = root.GetValue("alerting.patterns");
        if (value is null || value.IsEmpty)
        {
            return patterns;
        }

        var index = 0;
        foreach (var item in value.GetArray())
        {
            var entry = new Config(new Akka.Configuration.Hocon.HoconRoot(item));
            var name = entry.GetString("name", "");
            var label = string.IsNullOrWhiteSpace(name) ? $"{path}[{index}]" : $"{path} '{name}'";
            if (string.IsNullOrWhiteSpace(name) || name.Any(c => char.IsWhiteSpace(c) || c == ':'))
            {
                throw new ConfigurationException($"{label}: name must be one word without ':', got '{name}'");
            }

            if (patterns.Any(p => p.Name == name))
            {
                throw new ConfigurationException($"{label}: two patterns share this name");
            }

            var keywords = entry.HasPath("keywords") ? entry.GetStringList("keywords").Where(k => !string.IsNullOrWhiteSpace(k)).ToList() : [];
            var regex = entry.GetString("regex", null);
            if (regex is not null)
            {
                try
                {
                    _ = new System.Text.RegularExpressions.Regex(
                        regex,
                        System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.NonBacktracking
                        | System.Text.RegularExpressions.RegexOptions.CultureInvariant);
                }
                catch (Exception e) when (e is ArgumentException or NotSupportedException)
                {
                    throw new ConfigurationException($"{label}: regex '{regex}' is not a linear-time regular expression: {OneLine(e.Message)}");
                }
            }
            else if (keywords.Count == 0)
            {
                throw new ConfigurationException($"{label}: give keywords or a regex");
            }

            var levelText = entry.GetString("level", "");
            if (!Model.Levels.TryParse(levelText, out var level))
            {
                throw new ConfigurationException($"{label}: level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, FATAL, got '{levelText}'");
            }

            var threshold = entry.GetInt("threshold", 1);
            if (threshold < 1)
            {
                throw new ConfigurationException($"{label}: threshold must be a whole number ≥ 1, got '{threshold}'");
            }

            var title = entry.GetString("title", name);
            patterns.Add(new KnownPatternSettings(name, keywords, regex, level, string.IsNullOrWhiteSpace(title) ? name : title, threshold));
            index++;
        }

        return patterns;
    }

    private static string HttpUrl(string value, string name) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? value.TrimEnd('/')
            : throw new ConfigurationException($"{name} must be an http(s) URL, got '{value}'");

    private static TimeOnly TimeOfDay(string value, string name) =>
        TimeOnly.TryParseExact(value.Trim(), ["HH:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            ? time
            : throw new ConfigurationException($"{name} must be a UTC time of day such as 08:00, got '{value}'");

    private static string Raw(Config section, string path)
    {
        try
        {
            return section.GetString(path) ?? "";
        }
        catch
        {
            return "?";
        }
    }

    private static string? Get(IReadOnlyDictionary<string, string?> environment, string name) =>
        environment.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    private static int WholeNumber(string variable, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new ConfigurationException($"{variable} must be a whole number from {min} to {max}, got '{value}'");

    /// <summary>The old service took plain seconds; a HOCON duration ("30s", "1m") is accepted too.</summary>
    private static string Seconds(string variable, string value)
    {
        if (double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            return ((long)Math.Round(seconds * 1000)).ToString(CultureInfo.InvariantCulture) + "ms";
        }

        try
        {
            if (ConfigurationFactory.ParseString("d = " + value).GetTimeSpan("d", null, false) > TimeSpan.Zero)
            {
                return value;
            }
        }
        catch
        {
            // falls through to the error below
        }

        throw new ConfigurationException($"{variable} must be a positive number of seconds, got '{value}'");
    }

    private static DatabaseProvider Provider(string name, string value) => value.Trim().ToLowerInvariant() switch
    {
        "embedded" or "duckdb" => DatabaseProvider.Embedded,
        "postgresql" or "postgres" => DatabaseProvider.PostgreSql,
        _ => throw new ConfigurationException($"{name} must be 'embedded' or 'postgresql', got '{value}'"),
    };

    private static string Quote(string value) => JsonSerializer.Serialize(value);

    private static string List(IEnumerable<string> values) => "[" + string.Join(", ", values.Select(Quote)) + "]";

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}

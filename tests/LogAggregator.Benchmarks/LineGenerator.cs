using System.Globalization;
using System.Text;

namespace LogAggregator.Benchmarks;

/// <summary>
/// Realistic fleet output in the five formats of DESIGN.md §3, from a fixed seed so every run (and every
/// machine) measures the same bytes. Levels are weighted the way production logs are: mostly INFO.
/// </summary>
public sealed class LineGenerator
{
    public static readonly string[] Agents =
    [
        "CERBERUS", "HERMES", "ATLAS", "APOLLO", "ARTEMIS", "HADES", "ZEUS", "HERA", "POSEIDON", "DEMETER",
        "ATHENA", "ARES", "HEPHAESTUS", "DIONYSUS", "PERSEPHONE", "NYX", "HELIOS", "SELENE", "EOS", "KRONOS",
    ];

    private static readonly string[] Paths = ["/api/v1/orders", "/api/v1/users", "/api/v2/payments", "/healthz", "/api/v1/search", "/login"];
    private static readonly string[] Methods = ["GET", "GET", "GET", "POST", "PUT", "DELETE"];
    private static readonly string[] Domains = ["example.com", "mail.test", "corp.internal", "fleet.io"];

    private readonly Random _random = new(20240115);
    private DateTime _clock = new(2024, 1, 15, 10, 0, 0, DateTimeKind.Utc);

    /// <summary>One record: its first line, then any stack-trace lines that continue it.</summary>
    public List<string> Next(string agent)
    {
        _clock = _clock.AddMilliseconds(_random.Next(1, 20));
        var level = NextLevel();
        var message = Message(level);
        var lines = new List<string>(1) { Format(agent, level, message) };
        if (level >= Model.Level.Error && _random.Next(10) == 0)
        {
            AddStackTrace(lines);
        }

        return lines;
    }

    /// <summary>
    /// One entry as the store holds it, without the text formats around it: the query benchmark builds millions
    /// of these straight into day files. One in eight carries JSON metadata, as the JSON lines of the ingest mix do.
    /// </summary>
    public Model.LogEntry NextEntry(string agent, string source, DateTime timestamp)
    {
        var level = NextLevel();
        var message = Message(level);
        var metadata = _random.Next(8) == 0
            ? $"{{\"user_id\":{_random.Next(1, 500_000)},\"region\":\"{(_random.Next(3) switch { 0 => "eu-west-1", 1 => "us-east-1", _ => "ap-south-1" })}\",\"duration_ms\":{_random.Next(1, 3000)}}}"
            : Model.LogEntry.EmptyMetadata;
        return new Model.LogEntry(timestamp, level, agent, message, source, metadata);
    }

    private Model.Level NextLevel() => _random.Next(1000) switch
    {
        < 80 => Model.Level.Debug,
        < 800 => Model.Level.Info,
        < 920 => Model.Level.Warning,
        < 985 => Model.Level.Error,
        < 995 => Model.Level.Critical,
        _ => Model.Level.Fatal,
    };

    private string Format(string agent, Model.Level level, string message)
    {
        var levelWord = level == Model.Level.Warning && _random.Next(3) == 0 ? "WARN" : Model.Levels.Name(level);
        var ts = _clock.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        return _random.Next(100) switch
        {
            < 25 => Json(agent, levelWord, message),
            < 60 => $"{ts}{(_random.Next(4) == 0 ? "." + _clock.Millisecond.ToString("000", CultureInfo.InvariantCulture) : "")} - {levelWord} - {agent} - {message}",
            < 80 => $"[{levelWord}] {agent}: {message}",
            < 92 => $"{levelWord}{(_random.Next(2) == 0 ? ":" : " -")} {message}",
            _ => message,
        };
    }

    private string Json(string agent, string level, string message)
    {
        var json = new StringBuilder(256);
        json.Append("{\"timestamp\":\"").Append(_clock.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture))
            .Append("\",\"level\":\"").Append(level)
            .Append("\",\"agent\":\"").Append(agent)
            .Append("\",\"message\":\"").Append(message.Replace("\\", "\\\\").Replace("\"", "\\\""))
            .Append("\",\"request_id\":\"").Append(Hex(16)).Append('"');
        if (_random.Next(2) == 0)
        {
            json.Append(",\"metadata\":{\"user_id\":").Append(_random.Next(1, 500_000))
                .Append(",\"region\":\"").Append(_random.Next(3) switch { 0 => "eu-west-1", 1 => "us-east-1", _ => "ap-south-1" })
                .Append("\",\"duration_ms\":").Append(_random.Next(1, 3000)).Append('}');
        }

        return json.Append('}').ToString();
    }

    private string Message(Model.Level level) => level switch
    {
        Model.Level.Debug => _random.Next(3) switch
        {
            0 => $"Cache miss for key session:{Hex(12)}",
            1 => $"Pool stats: active={_random.Next(0, 50)} idle={_random.Next(0, 20)} waiting={_random.Next(0, 5)}",
            _ => $"Parsed config section [{(_random.Next(2) == 0 ? "database" : "cache")}] in {_random.Next(1, 40)} ms",
        },
        Model.Level.Info => _random.Next(6) switch
        {
            0 => $"User {_random.Next(1, 500_000)} logged in from {Ip()}",
            1 => $"{Methods[_random.Next(Methods.Length)]} {Paths[_random.Next(Paths.Length)]}/{_random.Next(1, 99_999)} completed 200 in {_random.Next(1, 900)} ms",
            2 => $"Sent confirmation e-mail to {Email()}",
            3 => $"Payment {Guid()} processed for user {_random.Next(1, 500_000)}: amount={_random.Next(1, 100_000) / 100.0:0.00} EUR",
            4 => $"Health check passed (cpu={_random.Next(1, 99)}%, mem={_random.Next(100, 4000)}MB)",
            _ => $"Job {_random.Next(1, 1_000_000)} finished: {_random.Next(1, 10_000)} records in {_random.Next(1, 60_000)} ms",
        },
        Model.Level.Warning => _random.Next(3) switch
        {
            0 => $"Slow query on orders took {_random.Next(1000, 9000)} ms",
            1 => $"Retrying job {_random.Next(1, 1_000_000)} (attempt {_random.Next(2, 5)}/5)",
            _ => $"Disk usage at {_random.Next(80, 99)}% on /var/lib/data",
        },
        _ => _random.Next(4) switch
        {
            0 => $"Connection to db-{_random.Next(1, 9)}.internal:5432 timed out after {_random.Next(1000, 30_000)} ms",
            1 => $"Failed to authenticate user {Email()}: invalid token",
            2 => $"Upstream {Ip()} returned 503 for request {Guid()}",
            _ => $"Unhandled exception while processing order {_random.Next(1, 1_000_000)}",
        },
    };

    private void AddStackTrace(List<string> lines)
    {
        if (_random.Next(2) == 0)
        {
            lines.Add("Traceback (most recent call last):");
            var frames = _random.Next(2, 6);
            for (var i = 0; i < frames; i++)
            {
                lines.Add($"  File \"/app/service/handler{i}.py\", line {_random.Next(10, 400)}, in handle_{i}");
                lines.Add($"    result = process(payload, retries={_random.Next(1, 5)})");
            }

            lines.Add($"ValueError: invalid literal for int() with base 10: '{Hex(6)}'");
            return;
        }

        lines.Add($"java.lang.IllegalStateException: order {_random.Next(1, 1_000_000)} in unexpected state");
        var depth = _random.Next(3, 9);
        for (var i = 0; i < depth; i++)
        {
            lines.Add($"\tat com.fleet.orders.Service{i}.handle(Service{i}.java:{_random.Next(10, 900)})");
        }

        lines.Add("Caused by: java.net.SocketTimeoutException: Read timed out");
        lines.Add($"\t... {_random.Next(5, 40)} more");
    }

    private string Ip() => $"10.{_random.Next(256)}.{_random.Next(256)}.{_random.Next(1, 255)}";

    private string Email() => $"user{_random.Next(1, 100_000)}@{Domains[_random.Next(Domains.Length)]}";

    private string Guid()
    {
        Span<byte> bytes = stackalloc byte[16];
        _random.NextBytes(bytes);
        return new System.Guid(bytes).ToString();
    }

    private string Hex(int length)
    {
        Span<byte> bytes = stackalloc byte[(length + 1) / 2];
        _random.NextBytes(bytes);
        return Convert.ToHexStringLower(bytes)[..length];
    }
}

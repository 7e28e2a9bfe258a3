using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using LogAggregator.Model;

namespace LogAggregator.Alerting;

/// <summary>What one delivery round to HERMES did: every request sent, and the path and status that took the alert, if any.</summary>
public sealed record HermesOutcome(IReadOnlyList<DeliveryAttempt> Attempts, string? DeliveredPath, int? DeliveredStatus)
{
    public bool Delivered => DeliveredPath is not null;

    /// <summary>The round in one line, for the log: <c>/api/alerts 404, /api/messages 500, /notify connection refused</c>.</summary>
    public string Describe() => string.Join(", ", Attempts.Select(a => $"{a.Path} {(a.Status is { } s ? s.ToString(CultureInfo.InvariantCulture) : a.Error)}"));
}

/// <summary>
/// Sends an alert to HERMES with the fallback chain of DESIGN.md section 6: <c>/api/alerts</c>, on a non-2xx answer
/// <c>/api/messages</c>, then <c>/notify</c>. A request that gets no answer at all (refused, timed out) ends the
/// round at once: the next path would not answer either, and the outbox retries the whole chain after a backoff.
/// </summary>
public sealed class HermesClient(HttpClient http, string hermesUrl, TimeSpan requestTimeout, TimeProvider clock)
{
    public const string AlertsPath = "/api/alerts";
    public const string MessagesPath = "/api/messages";
    public const string NotifyPath = "/notify";

    public HermesClient(string hermesUrl, TimeSpan requestTimeout)
        : this(new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan },
            hermesUrl, requestTimeout, TimeProvider.System)
    {
    }

    public string HermesUrl { get; } = hermesUrl.TrimEnd('/');

    public async Task<HermesOutcome> SendAsync(Alert alert, CancellationToken cancellationToken)
    {
        var attempts = new List<DeliveryAttempt>();
        foreach (var (path, body) in HermesPayloads.Chain(alert))
        {
            var at = clock.GetUtcNow().UtcDateTime;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(requestTimeout);
            try
            {
                using var content = new StringContent(body.ToJsonString(), Encoding.UTF8);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                using var response = await http.PostAsync(HermesUrl + path, content, timeout.Token).ConfigureAwait(false);
                var status = (int)response.StatusCode;
                attempts.Add(new DeliveryAttempt(at, path, status, response.IsSuccessStatusCode ? null : response.ReasonPhrase));
                if (response.IsSuccessStatusCode)
                {
                    return new HermesOutcome(attempts, path, status);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                attempts.Add(new DeliveryAttempt(at, path, null, $"no answer within {requestTimeout.TotalSeconds:0.###} s"));
                break;
            }
            catch (HttpRequestException failed)
            {
                attempts.Add(new DeliveryAttempt(at, path, null, failed.HttpRequestError == HttpRequestError.ConnectionError
                    ? "connection failed: " + (failed.InnerException?.Message ?? failed.Message)
                    : failed.Message));
                break;
            }
        }

        return new HermesOutcome(attempts, null, null);
    }
}

/// <summary>The three request bodies of DESIGN.md section 6; the page must be enough to act on without opening a terminal.</summary>
public static class HermesPayloads
{
    public const int MaxSamples = 5;

    public static IEnumerable<(string Path, JsonObject Body)> Chain(Alert alert)
    {
        var message = Message(alert);
        yield return (HermesClient.AlertsPath, new JsonObject
        {
            ["title"] = alert.Title,
            ["message"] = message,
            ["level"] = alert.Level.Name().ToLowerInvariant(),
            ["source"] = alert.Agent,
            ["timestamp"] = Timestamp(alert.RaisedAt),
            ["metadata"] = Metadata(alert),
        });
        yield return (HermesClient.MessagesPath, new JsonObject
        {
            ["channel"] = "alerts",
            ["content"] = alert.Title + "\n" + message,
            ["source"] = alert.Agent,
            ["metadata"] = Metadata(alert),
        });
        yield return (HermesClient.NotifyPath, new JsonObject
        {
            ["message"] = alert.Title + "\n" + message,
            ["priority"] = Priority(alert.Level),
            ["channel"] = "telegram",
        });
    }

    /// <summary>Agent, Level, Time, Reason, Message and Source lines, then the link to the incident in the web UI.</summary>
    public static string Message(Alert alert)
    {
        var sample = alert.Samples.Count > 0 ? alert.Samples[^1].Message : alert.Pattern ?? alert.Title;
        return string.Join('\n',
            $"Agent: {alert.Agent}",
            $"Level: {alert.Level.Name()}",
            $"Time: {Timestamp(alert.LastSeen)}",
            $"Reason: {alert.Reason}",
            $"Message: {sample}",
            $"Source: log-aggregator, alert {alert.Key}",
            alert.Link);
    }

    public static JsonObject Metadata(Alert alert)
    {
        var samples = new JsonArray();
        foreach (var sample in alert.Samples.Take(MaxSamples))
        {
            samples.Add(new JsonObject
            {
                ["id"] = sample.Id,
                ["time"] = Timestamp(sample.Timestamp),
                ["message"] = sample.Message,
            });
        }

        return new JsonObject
        {
            ["alert_id"] = alert.Id,
            ["key"] = alert.Key,
            ["pattern"] = alert.Pattern,
            ["reason"] = alert.Reason,
            ["count"] = alert.Count,
            ["first_seen"] = Timestamp(alert.FirstSeen),
            ["last_seen"] = Timestamp(alert.LastSeen),
            ["samples"] = samples,
            ["link"] = alert.Link,
        };
    }

    public static string Priority(Level level) => level switch
    {
        Level.Critical or Level.Fatal => "critical",
        Level.Error => "high",
        Level.Warning => "normal",
        _ => "low",
    };

    /// <summary>UTC, to the millisecond, with a Z: what HERMES and a human both read.</summary>
    public static string Timestamp(DateTime value) =>
        (value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : DateTime.SpecifyKind(value, DateTimeKind.Utc))
        .ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}

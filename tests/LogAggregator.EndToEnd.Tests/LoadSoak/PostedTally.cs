using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using LogAggregator.EndToEnd.Tests.RotationSoak;

namespace LogAggregator.EndToEnd.Tests.LoadSoak;

/// <summary>
/// What the server stored of one <see cref="PostingClient"/>'s entries, read back through
/// <c>GET /api/logs/export?format=ndjson&amp;agent=…</c>. Every committed sequence number must be there (else lost);
/// one attempt stored twice is a real double; two attempts of one entry are a resend after a lost answer when every
/// attempt but the last went out and lost its answer (the client could not know), else a real double (the server
/// stored a batch it refused).
/// </summary>
internal sealed partial class PostedTally
{
    private PostedTally(PostingClient client) => Client = client;

    public PostingClient Client { get; }
    public int Stored { get; private set; }
    public List<int> Missing { get; } = [];
    public List<int> Doubled { get; } = [];
    public List<int> Resent { get; } = [];
    public long Garbage { get; private set; }
    public List<string> GarbageSamples { get; } = [];

    public bool Exact => Missing.Count == 0 && Doubled.Count == 0 && Garbage == 0;

    public static async Task<PostedTally> ReadAsync(ServerProcess server, PostingClient client)
    {
        var tally = new PostedTally(client);
        var attempts = new Dictionary<int, Dictionary<int, int>>();
        using var response = await server.Client.GetAsync(
            $"/api/logs/export?format=ndjson&agent={client.Agent}", HttpCompletionOption.ResponseHeadersRead);
        Assert.True(response.IsSuccessStatusCode, $"export of {client.Agent} answered {(int)response.StatusCode}");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            using var entry = JsonDocument.Parse(line);
            var message = entry.RootElement.GetProperty("message").GetString() ?? "";
            var match = EntryMessage().Match(message);
            if (match.Success && match.Groups[1].Value == client.Prefix
                && int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) is var sequence && sequence < client.Committed)
            {
                var stored = attempts.TryGetValue(sequence, out var seen) ? seen : attempts[sequence] = [];
                var attempt = int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture);
                stored[attempt] = stored.GetValueOrDefault(attempt) + 1;
            }
            else
            {
                tally.Garbage++;
                if (tally.GarbageSamples.Count < 5)
                {
                    tally.GarbageSamples.Add(message.Length > 120 ? message[..120] + "…" : message);
                }
            }
        }

        for (var sequence = 0; sequence < client.Committed; sequence++)
        {
            if (!attempts.TryGetValue(sequence, out var stored))
            {
                tally.Missing.Add(sequence);
                continue;
            }

            tally.Stored++;
            var last = stored.Keys.Max();
            if (stored.Values.Any(copies => copies > 1) || stored.Keys.Any(a => a != last && !client.AnswerLost(sequence, a)))
            {
                tally.Doubled.Add(sequence);
            }
            else if (stored.Count > 1)
            {
                tally.Resent.Add(sequence);
            }
        }

        return tally;
    }

    public string Describe() =>
        $"  {Client.Agent} ({Client.Kind}): {Client.Committed} committed in {Client.Batches} batches, {Stored} stored, "
        + $"{Missing.Count} missing, {Doubled.Count} doubled, {Resent.Count} resent after a lost answer; "
        + $"{Client.Busy} × 503/429, {Client.Refused} × refused, {Client.AnswersLost} answers lost, garbage {Garbage}\n"
        + (Missing.Count > 0 ? $"    missing: {SoakTally.Ranges(Missing)}\n" : "")
        + (Doubled.Count > 0 ? $"    doubled: {SoakTally.Ranges(Doubled)}\n" : "")
        + (Resent.Count > 0 ? $"    resent after a lost answer: {SoakTally.Ranges(Resent)}\n" : "")
        + string.Concat(GarbageSamples.Select(g => $"    garbage: {g}\n"))
        + string.Concat(Client.Failures.Take(5).Select(f => $"    failed: {f}\n"));

    [GeneratedRegex(@"^([hp]\d+) (\d{7}) a(\d+)$")]
    private static partial Regex EntryMessage();
}

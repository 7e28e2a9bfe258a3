using System.Net.Http.Json;

namespace LogAggregator.EndToEnd.Tests;

/// <summary>
/// Clients POSTing all the time to whichever nodes are running, a few entries at a time, each with a unique marker,
/// spread over <see cref="Agents"/> agents (so over several shards). It remembers the markers of every POST answered 2xx:
/// the server promises those are stored, whatever happens to the nodes afterwards.
/// </summary>
public sealed class AcknowledgedIngest : IAsyncDisposable
{
    public const int Agents = 10;

    private readonly IReadOnlyList<ClusterNode> _nodes;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _acknowledged = [];
    private readonly Task[] _clients;
    private int _next;

    public AcknowledgedIngest(IReadOnlyList<ClusterNode> nodes)
    {
        _nodes = nodes;
        _clients = [Task.Run(() => PostAsync(0)), Task.Run(() => PostAsync(1))];
    }

    public static string Agent(int i) => $"acked-{i}";

    public int Count
    {
        get
        {
            lock (_acknowledged)
            {
                return _acknowledged.Count;
            }
        }
    }

    /// <summary>Stops posting; returns every acknowledged marker.</summary>
    public async Task<IReadOnlyList<string>> StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_clients);
        lock (_acknowledged)
        {
            return _acknowledged.ToList();
        }
    }

    private async Task PostAsync(int client)
    {
        for (var round = client; !_stop.IsCancellationRequested; round++)
        {
            var running = _nodes.Where(n => n.Running).ToList();
            if (running.Count > 0)
            {
                var markers = Enumerable.Range(0, 5).Select(_ => $"acked entry {Interlocked.Increment(ref _next)}").ToList();
                var entries = markers.Select((m, i) => new { agent = Agent((round + i) % Agents), level = "INFO", message = m }).ToList();
                try
                {
                    var response = await running[round % running.Count].Server.Client.PostAsJsonAsync("/api/logs", entries, _stop.Token);
                    if (response.IsSuccessStatusCode)
                    {
                        lock (_acknowledged)
                        {
                            _acknowledged.AddRange(markers);
                        }
                    }
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException or ObjectDisposedException)
                {
                    // A node going away: not acknowledged, so nothing is promised.
                }
            }

            try
            {
                await Task.Delay(50, _stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}

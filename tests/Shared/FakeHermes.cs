using System.Net;
using System.Text;
using System.Text.Json;

namespace LogAggregator.Testing;

/// <summary>One request HERMES received: the path and the body as sent.</summary>
internal sealed record HermesRequest(string Method, string Path, string Body)
{
    /// <summary>The status the fake answered.</summary>
    public int Answered { get; init; }

    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

    /// <summary>metadata.alert_id, where the body has one (not on /notify).</summary>
    public string? AlertId =>
        Json.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("alert_id", out var id) ? id.GetString() : null;
}

/// <summary>
/// A stand-in for HERMES on a loopback port: records every request with its path and body and answers 200, or
/// what it is told per path (404, 500...), or refuses connections altogether (nothing listens on the port) until
/// told to accept again. Shared by the actor specs, the HTTP tests and the end-to-end tests.
/// </summary>
internal sealed class FakeHermes : IDisposable
{
    private readonly object _gate = new();
    private readonly List<HermesRequest> _requests = [];
    private readonly Dictionary<string, int> _answers = new(StringComparer.Ordinal);
    private HttpListener? _listener;

    private FakeHermes(int port) => Port = port;

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Listening on a free port; <paramref name="refusing"/>: the port is chosen but nothing listens yet.</summary>
    public static FakeHermes Start(bool refusing = false)
    {
        var hermes = new FakeHermes(ServerLaunch.FreePort());
        if (!refusing)
        {
            hermes.Accept();
        }

        return hermes;
    }

    public IReadOnlyList<HermesRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return _requests.ToList();
            }
        }
    }

    /// <summary>Requests that HERMES answered 2xx: the alerts an operator was paged with.</summary>
    public IReadOnlyList<HermesRequest> Delivered
    {
        get
        {
            lock (_gate)
            {
                return _requests.Where(r => r.Answered is >= 200 and < 300).ToList();
            }
        }
    }

    /// <summary>From now on <paramref name="path"/> answers <paramref name="status"/> (200 unless told).</summary>
    public void Answer(string path, int status)
    {
        lock (_gate)
        {
            _answers[path] = status;
        }
    }

    /// <summary>Stops listening: connections are refused, as when HERMES is down.</summary>
    public void Refuse()
    {
        HttpListener? listener;
        lock (_gate)
        {
            listener = _listener;
            _listener = null;
        }

        listener?.Close();
    }

    /// <summary>Listens (again) on <see cref="Port"/>.</summary>
    public void Accept()
    {
        var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                listener.Start();
                break;
            }
            catch (HttpListenerException) when (DateTime.UtcNow < deadline)
            {
                // The port of a listener just closed can take a moment to be free again.
                listener = new HttpListener();
                listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
                Thread.Sleep(50);
            }
        }

        lock (_gate)
        {
            _listener = listener;
        }

        _ = Task.Run(() => ServeAsync(listener));
    }

    private async Task ServeAsync(HttpListener listener)
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
                var body = await reader.ReadToEndAsync();
                var path = context.Request.Url!.AbsolutePath;
                int status;
                lock (_gate)
                {
                    status = StatusFor(path);
                    _requests.Add(new HermesRequest(context.Request.HttpMethod, path, body) { Answered = status });
                }

                context.Response.StatusCode = status;
                var answer = Encoding.UTF8.GetBytes(status is >= 200 and < 300 ? "{\"status\":\"ok\"}" : "{\"error\":\"fake\"}");
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(answer);
                context.Response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException)
            {
            }
        }
    }

    private int StatusFor(string path) => _answers.GetValueOrDefault(path, 200);

    public void Dispose() => Refuse();
}

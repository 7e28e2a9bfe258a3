using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using System.Text.Json;
using LogAggregator.Web;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace LogAggregator.Web.Tests;

/// <summary>
/// The real server, in this process, on a free loopback port, with its data in a fresh temporary directory
/// and real DuckDB and SQLite files; or, compiled into LogAggregator.Web.Postgres.Tests (POSTGRES_STORE), with its
/// entries and actor state in a fresh database of a real, throwaway PostgreSQL server, so the same API tests run
/// against both stores.
/// </summary>
public sealed class TestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private string? _database;

    private TestHost(WebApplication app, string dataDir, string logDir)
    {
        _app = app;
        DataDir = dataDir;
        LogDir = logDir;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) };
    }

    public HttpClient Client { get; }
    /// <summary>The server's services, for tests that look at the actors behind the API.</summary>
    public IServiceProvider Services => _app.Services;
    /// <summary>Every endpoint the app maps, as routing sees them.</summary>
    public IEnumerable<Microsoft.AspNetCore.Http.Endpoint> Endpoints =>
        ((Microsoft.AspNetCore.Routing.IEndpointRouteBuilder)_app).DataSources.SelectMany(source => source.Endpoints);
    /// <summary>The read key given at start, which <see cref="GetJsonAsync"/> sends.</summary>
    public string? ReadKey { get; private init; }
    public string DataDir { get; }
    public string LogDir { get; }

    /// <param name="decorateStore">Wraps the server's log store, for tests that watch what reaches it.</param>
    /// <param name="readKey">With API keys on: a key with the read scope, for the readiness probe only.</param>
    public static async Task<TestHost> StartAsync(
        IDictionary<string, string?>? extraEnvironment = null,
        Func<LogAggregator.Storage.ILogStore, LogAggregator.Storage.ILogStore>? decorateStore = null,
        string? readKey = null)
    {
        var root = Path.Combine(Path.GetTempPath(), "logagg-web-" + Guid.NewGuid().ToString("N")[..12]);
        var dataDir = Path.Combine(root, "data");
        var logDir = Path.Combine(root, "logs");
        Directory.CreateDirectory(logDir);
        var environment = new Dictionary<string, string?>
        {
            ["AGGREGATED_DIR"] = dataDir,
            ["LOG_SOURCES"] = Path.Combine(logDir, "*.log"),
            ["COLLECT_INTERVAL"] = "1",
            ["AKKA_PORT"] = "0",
            ["HERMES_URL"] = "http://127.0.0.1:9",
        };
#if POSTGRES_STORE
        var database = await LogAggregator.Testing.PostgresCluster.Instance.CreateDatabaseAsync();
        environment["DATABASE_PROVIDER"] = "postgresql";
        environment["DATABASE_CONNECTION"] = database;
#else
        string? database = null;
#endif
        foreach (var (key, value) in extraEnvironment ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        var app = LogAggregatorApp.Build(["--urls", "http://127.0.0.1:0"], environment, decorateStore);
        await app.StartAsync();
        var host = new TestHost(app, dataDir, logDir) { ReadKey = readKey, _database = database };
        await host.WaitUntilReadyAsync(readKey);
        return host;
    }

    /// <summary>
    /// The actors are up once the stores answer and the node is an Up member of its cluster of one (until then
    /// <c>/health</c> is degraded); the HTTP listener comes up before them.
    /// </summary>
    private async Task WaitUntilReadyAsync(string? readKey)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/api/stats");
                if (readKey is not null)
                {
                    request.Headers.Add("X-API-Key", readKey);
                }

                var response = await Client.SendAsync(request);
                if (response.IsSuccessStatusCode
                    && Akka.Cluster.Cluster.Get(Services.GetRequiredService<Akka.Actor.ActorSystem>()).SelfMember.Status == Akka.Cluster.MemberStatus.Up)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the server did not become ready within 30 s");
            }

            await Task.Delay(100);
        }
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (ReadKey is not null)
        {
            request.Headers.Add("X-API-Key", ReadKey);
        }

        var response = await Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>GET answered 400 with a problem body whose <c>field</c> names the culprit.</summary>
    public async Task AssertBadRequestAsync(string path, string field)
    {
        var response = await Client.GetAsync(path);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, problem.GetProperty("field").GetString());
    }

    public async Task<HttpResponseMessage> PostAsync(string body, string contentType = "application/json") =>
        await Client.PostAsync("/api/logs", new StringContent(body, System.Text.Encoding.UTF8, contentType));

    public async Task PostOkAsync(object entry)
    {
        var response = await Client.PostAsJsonAsync("/api/logs", entry);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_database is not null)
        {
            await LogAggregator.Testing.PostgresCluster.Instance.DropDatabaseAsync(_database);
        }

        try
        {
            Directory.Delete(Path.GetDirectoryName(DataDir)!, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

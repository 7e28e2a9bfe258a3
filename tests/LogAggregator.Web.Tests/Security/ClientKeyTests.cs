using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Resources;
using Serilog;
using ILogger = Microsoft.Extensions.Logging.ILogger;
using static LogAggregator.Web.Tests.Protocols.ProtocolTestSupport;

namespace LogAggregator.Web.Tests.Security;

/// <summary>Keys as real clients send them, and the keys that must not pass.</summary>
public sealed class ClientKeyTests : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await TestHost.StartAsync(new Dictionary<string, string?> { ["API_KEYS"] = TestKeys.Variable }, readKey: TestKeys.Read);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Serilog_Seq_sink_stores_with_its_api_key_and_stores_nothing_with_a_wrong_one()
    {
        using (var wrong = SeqLogger("seq-wrong", "a-wrong-key-for-the-seq-sink"))
        {
            wrong.Information("refused entry");
        }

        using (var right = SeqLogger("seq-right", TestKeys.Ingest))
        {
            right.Information("accepted entry");
        }

        // The wrong logger flushed first; once the right one's entry is stored, the wrong one's would have been too.
        Assert.Single(await WaitForEntriesAsync(_host, "seq-right", 1));
        Assert.Equal(0, (await _host.GetJsonAsync("/api/logs?agent=seq-wrong")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task OpenTelemetry_exporter_stores_with_the_key_in_its_headers()
    {
        using (var factory = LoggerFactory.Create(logging => logging.AddOpenTelemetry(otel =>
               {
                   otel.SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("otel-keyed"));
                   otel.AddOtlpExporter(exporter =>
                   {
                       exporter.Endpoint = new Uri(_host.Client.BaseAddress!, "/v1/logs");
                       exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                       exporter.Headers = "X-API-Key=" + TestKeys.Ingest;
                   });
               })))
        {
            factory.CreateLogger("keyed").LogWarning("exported with a key");
        }

        Assert.Single(await WaitForEntriesAsync(_host, "otel-keyed", 1));
    }

    [Theory]
    [InlineData("X-API-Key")]
    [InlineData("Authorization")]
    [InlineData("X-Seq-ApiKey")]
    public async Task Each_key_header_is_accepted(string header)
    {
        using var request = TestKeys.Request(HttpMethod.Get, "/api/agents", TestKeys.Read, header);

        var response = await _host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public static TheoryData<string, string> Garbage => new()
    {
        { "X-API-Key", "x" },
        { "X-API-Key", TestKeys.Read + "x" },
        { "X-API-Key", TestKeys.Read[..^1] },
        { "X-API-Key", TestKeys.Read.ToUpperInvariant() },
        { "X-API-Key", new string('k', 5000) },
        { "X-API-Key", TestKeys.Sha256Hex(TestKeys.Read) },
        { "Authorization", "Bearer" },
        { "Authorization", "Bearer    " },
        { "Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("user:" + TestKeys.Read)) },
        { "Authorization", TestKeys.Read },
        { "X-Seq-ApiKey", "" },
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public async Task Garbage_keys_get_401_with_a_problem_body(string header, string value)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/agents");
        request.Headers.TryAddWithoutValidation(header, value);

        var response = await _host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task A_key_with_bytes_beyond_ascii_is_refused_before_any_check()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/agents");
        request.Headers.TryAddWithoutValidation("X-API-Key", "\u00e9\u00e8\u00ff" + TestKeys.Read);
        // The bytes go out as they are, as a careless client would send them; Kestrel refuses the request itself.
        using var client = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.Latin1 })
        {
            BaseAddress = _host.Client.BaseAddress,
        };

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_key_in_the_url_is_not_accepted()
    {
        var response = await _host.Client.GetAsync("/api/agents?apiKey=" + TestKeys.Read);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private Serilog.Core.Logger SeqLogger(string application, string apiKey) => new LoggerConfiguration()
        .Enrich.WithProperty("Application", application)
        .WriteTo.Seq(_host.Client.BaseAddress!.ToString(), apiKey: apiKey)
        .CreateLogger();
}

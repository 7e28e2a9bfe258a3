using System.Net;
using System.Text;
using System.Text.Json;
using LogAggregator.Web.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LogAggregator.Web.Tests.Security;

/// <summary>
/// Every endpoint the running app maps (from routing's own data sources, not a hand-written list) is tried without
/// a key, with a key lacking its scope and with the right key. An endpoint that declares no scope fails the test.
/// </summary>
public sealed class EndpointScopeTests
{
    private sealed record Case(string Method, string Path, EndpointAccess Access);

    [Fact]
    public async Task Every_endpoint_needs_the_key_of_its_scope()
    {
        await using var host = await TestHost.StartAsync(
            new Dictionary<string, string?> { ["API_KEYS"] = TestKeys.Variable }, readKey: TestKeys.Read);
        var failures = new List<string>();
        var cases = Cases(host, failures);
        // The API maps 22 method-and-path pairs today: an empty or partial enumeration would pass unseen.
        Assert.True(cases.Count + failures.Count >= 22, $"only {cases.Count + failures.Count} endpoints found: {string.Join(", ", cases)}");
        // A read never writes and a write is never open to readers alone: a scope declared on the wrong side fails here.
        failures.AddRange(cases
            .Where(c => c.Method == "GET" ? c.Access is not (EndpointAccess.Read or EndpointAccess.Operations) : c.Access is not (EndpointAccess.Ingest or EndpointAccess.Admin))
            .Select(c => $"{c.Method} {c.Path} declares {c.Access}"));

        foreach (var c in cases)
        {
            if (c.Access == EndpointAccess.Operations)
            {
                // Open by default: answered without a key.
                await ExpectAsync(host, c, null, status => status is not (401 or 403), "open without a key", failures);
                continue;
            }

            await ExpectAsync(host, c, null, status => status == 401, "401 without a key", failures);
            await ExpectAsync(host, c, "an-unknown-key-of-plausible-length", status => status == 401, "401 with an unknown key", failures);
            await ExpectAsync(host, c, Lacking(c.Access), status => status == 403, "403 with a key lacking the scope", failures);
            await ExpectAsync(host, c, Having(c.Access), status => status is not (401 or 403), "served with the right key", failures);
            await ExpectAsync(host, c, TestKeys.Admin, status => status is not (401 or 403), "served with an admin key", failures);
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Health_metrics_and_the_api_document_need_a_read_key_when_configured_so()
    {
        var config = Path.Combine(Path.GetTempPath(), "logagg-keys-" + Guid.NewGuid().ToString("N")[..12] + ".conf");
        // The HOCON list this time: one key by its hash, one by its text.
        await File.WriteAllTextAsync(config, $$"""
            log-aggregator.security {
              open-health-and-metrics = off
              api-keys = [
                { name = reader, key-sha256 = "{{TestKeys.Sha256Hex(TestKeys.Read)}}", scopes = [read] }
                { name = ingester, key = "{{TestKeys.Ingest}}", scopes = [ingest] }
              ]
            }
            """);
        try
        {
            await using var host = await TestHost.StartAsync(
                new Dictionary<string, string?> { ["LOG_AGGREGATOR_CONFIG"] = config }, readKey: TestKeys.Read);
            var failures = new List<string>();
            var operations = Cases(host, failures).Where(c => c.Access == EndpointAccess.Operations).ToList();
            Assert.Equal(["GET /health", "GET /metrics", "GET /openapi/v1.json"], operations.Select(c => $"{c.Method} {c.Path}").Order());

            foreach (var c in operations)
            {
                await ExpectAsync(host, c, null, status => status == 401, "401 without a key", failures);
                await ExpectAsync(host, c, TestKeys.Ingest, status => status == 403, "403 with an ingest key", failures);
                await ExpectAsync(host, c, TestKeys.Read, status => status == 200, "200 with a read key", failures);
            }

            var ingest = await host.Client.SendAsync(Post("/api/logs", """{"message":"by hocon key"}""", TestKeys.Ingest));
            Assert.Equal(HttpStatusCode.OK, ingest.StatusCode);
            Assert.True(failures.Count == 0, string.Join("\n", failures));
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Fact]
    public async Task The_api_document_names_the_scope_of_each_operation()
    {
        await using var host = await TestHost.StartAsync();
        var document = await host.GetJsonAsync("/openapi/v1.json");
        var paths = document.GetProperty("paths");

        string? Scope(string path, string method) =>
            paths.GetProperty(path).GetProperty(method).TryGetProperty("security", out var security)
                ? security[0].GetProperty("apiKey")[0].GetString()
                : null;

        Assert.Equal("apiKey", document.GetProperty("components").GetProperty("securitySchemes").EnumerateObject().Single().Name);
        Assert.Equal("read", Scope("/api/logs", "get"));
        Assert.Equal("ingest", Scope("/api/logs", "post"));
        Assert.Equal("ingest", Scope("/v1/logs", "post"));
        Assert.Equal("admin", Scope("/api/alerts/silences", "post"));
        Assert.Equal("read", Scope("/api/alerts/silences", "get"));
        Assert.Null(Scope("/health", "get"));
        Assert.True(paths.GetProperty("/api/logs").GetProperty("post").GetProperty("responses").TryGetProperty("403", out _));
    }

    private static string Lacking(EndpointAccess access) => access switch
    {
        EndpointAccess.Ingest => TestKeys.Read,
        EndpointAccess.Read => TestKeys.Ingest,
        _ => TestKeys.IngestAndRead,
    };

    private static string Having(EndpointAccess access) => access switch
    {
        EndpointAccess.Ingest => TestKeys.Ingest,
        EndpointAccess.Read => TestKeys.Read,
        _ => TestKeys.Admin,
    };

    /// <summary>One case per method of every route endpoint, its parameters filled with something routable.</summary>
    private static List<Case> Cases(TestHost host, List<string> failures)
    {
        var cases = new List<Case>();
        foreach (var endpoint in host.Endpoints.OfType<RouteEndpoint>())
        {
            var path = "/" + string.Join("/", endpoint.RoutePattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
            {
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart literal => literal.Content,
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart { Name: "documentName" } => "v1",
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart => "X1",
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternSeparatorPart separator => separator.Content,
                _ => "",
            }))));
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            var declared = endpoint.Metadata.GetMetadata<RequiresScopeAttribute>();
            if (declared is null)
            {
                failures.Add($"{string.Join(",", methods)} {path} declares no scope ([RequiresScope] or RequireAuthorization(new RequiresScopeAttribute(...)))");
                continue;
            }

            cases.AddRange(methods.Select(method => new Case(method, path, declared.Access)));
        }

        return cases;
    }

    private static async Task ExpectAsync(TestHost host, Case c, string? key, Func<int, bool> expected, string what, List<string> failures)
    {
        using var request = TestKeys.Request(new HttpMethod(c.Method), c.Path, key);
        if (c.Method is "POST" or "PUT")
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        // Headers only: the live tail's answer never ends.
        using var response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var status = (int)response.StatusCode;
        if (!expected(status))
        {
            failures.Add($"{c.Method} {c.Path} ({c.Access}): expected {what}, got {status}");
            return;
        }

        if (status is 401 or 403)
        {
            var body = await response.Content.ReadAsStringAsync();
            var problem = JsonDocument.Parse(body).RootElement;
            if (response.Content.Headers.ContentType?.MediaType != "application/problem+json" || problem.GetProperty("status").GetInt32() != status)
            {
                failures.Add($"{c.Method} {c.Path}: {status} without a problem body: {body}");
            }
        }
    }

    private static HttpRequestMessage Post(string path, string json, string key)
    {
        var request = TestKeys.Request(HttpMethod.Post, path, key);
        request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        return request;
    }
}

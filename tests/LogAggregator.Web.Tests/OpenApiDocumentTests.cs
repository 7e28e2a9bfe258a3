using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Routing;

namespace LogAggregator.Web.Tests;

/// <summary>
/// <c>/openapi/v1.json</c> against what the app really routes and answers: every route and its parameters
/// documented, nothing documented that is not routed, and the real responses fitting the documented schemas.
/// </summary>
public sealed class OpenApiDocumentTests : IAsyncLifetime
{
    private const string DocumentPath = "/openapi/v1.json";
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Every_routed_endpoint_is_documented_with_its_parameters_and_a_response_schema()
    {
        var document = await _host.GetJsonAsync(DocumentPath);
        var paths = document.GetProperty("paths");
        var routes = Routes();
        Assert.Contains(routes, r => r.Path == "/api/logs" && r.Method == "get");
        Assert.Contains(routes, r => r.Path == "/metrics" && r.Method == "get");
        Assert.Contains(routes, r => r.Path == "/api/logs/agent/{name}" && r.Parameters.Contains(("query", "level")));

        foreach (var route in routes)
        {
            Assert.True(paths.TryGetProperty(route.Path, out var item), $"{route.Path} is routed but not documented");
            Assert.True(item.TryGetProperty(route.Method, out var operation), $"{route.Method.ToUpperInvariant()} {route.Path} is routed but not documented");
            var documented = operation.TryGetProperty("parameters", out var parameters)
                ? parameters.EnumerateArray().Select(p => (p.GetProperty("in").GetString(), p.GetProperty("name").GetString())).ToHashSet()
                : [];
            foreach (var parameter in route.Parameters)
            {
                Assert.Contains(parameter, documented);
            }

            if (route.Method == "post")
            {
                Assert.True(operation.TryGetProperty("requestBody", out var body) && body.GetProperty("content").EnumerateObject().Any(),
                    $"POST {route.Path} documents no request body");
            }

            if (route.Parameters.Any(p => p.In == "query") || route.Method == "post")
            {
                Assert.True(operation.GetProperty("responses").TryGetProperty("400", out var bad)
                    && bad.GetProperty("content").TryGetProperty("application/problem+json", out _),
                    $"{route.Method} {route.Path} takes input but documents no 400 problem");
            }

            var success = operation.GetProperty("responses").EnumerateObject().Where(r => r.Name.StartsWith('2')).ToList();
            Assert.True(success.Count > 0, $"{route.Method} {route.Path} documents no success response");
            foreach (var response in success.Where(r => r.Name != "204"))
            {
                Assert.True(response.Value.TryGetProperty("content", out var content) && content.EnumerateObject().Any(c => c.Value.TryGetProperty("schema", out _)),
                    $"{route.Method} {route.Path} answers {response.Name} without a documented schema");
            }
        }
    }

    [Fact]
    public async Task Nothing_is_documented_that_is_not_routed()
    {
        var document = await _host.GetJsonAsync(DocumentPath);
        var routes = Routes().Select(r => (r.Path, r.Method)).ToHashSet();

        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is "get" or "post" or "put" or "delete" or "patch"))
            {
                Assert.Contains((path.Name, operation.Name), routes);
            }
        }
    }

    [Fact]
    public async Task Real_responses_fit_the_documented_schemas()
    {
        await _host.PostOkAsync(new object[]
        {
            new { timestamp = DateTime.UtcNow.AddMinutes(-2), agent = "ATLAS", level = "ERROR", message = "timeout after 5 ms", metadata = new { k = 1 } },
            new { timestamp = DateTime.UtcNow.AddMinutes(-1), agent = "ATLAS", level = "INFO", message = "ok" },
        });
        var id = (await _host.GetJsonAsync("/api/logs")).GetProperty("logs")[0].GetProperty("id").GetString();
        var document = await _host.GetJsonAsync(DocumentPath);
        var entry = Resolve(document, Schema(document, "/api/logs", "get").GetProperty("properties").GetProperty("logs").GetProperty("items"));
        Assert.Equal(
            ["agent", "id", "level", "message", "metadata", "source", "timestamp"],
            entry.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order().ToArray());

        foreach (var (path, template) in new[]
                 {
                     ("/api/logs", "/api/logs"), ("/api/logs/search?q=o", "/api/logs/search"), ("/api/logs/agent/atlas", "/api/logs/agent/{name}"),
                     ("/api/agents", "/api/agents"), ("/api/stats", "/api/stats"), ($"/api/logs/context?id={id}", "/api/logs/context"),
                     ("/api/logs/histogram", "/api/logs/histogram"), ("/api/errors/summary", "/api/errors/summary"), ("/health", "/health"),
                     ("/api/alerts", "/api/alerts"), ("/api/alerts/silences", "/api/alerts/silences"),
                 })
        {
            Fits(document, Schema(document, template, "get"), await _host.GetJsonAsync(path), path);
        }
    }

    private sealed record Route(string Path, string Method, IReadOnlyList<(string? In, string? Name)> Parameters);

    /// <summary>The routes as routing has them: path templates in OpenAPI's spelling, methods, and each bound parameter.</summary>
    private List<Route> Routes()
    {
        var routes = new List<Route>();
        foreach (var endpoint in _host.Endpoints.OfType<RouteEndpoint>())
        {
            var template = endpoint.RoutePattern.RawText ?? "";
            if (template.StartsWith("/openapi/", StringComparison.Ordinal))
            {
                continue; // the document itself
            }

            var path = "/" + string.Join('/', endpoint.RoutePattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
            {
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart literal => literal.Content,
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
                _ => throw new InvalidOperationException(template),
            }))));
            var parameters = new List<(string?, string?)>();
            parameters.AddRange(endpoint.RoutePattern.Parameters.Select(p => ((string?)"path", (string?)p.Name)));
            var action = endpoint.Metadata.GetMetadata<ControllerActionDescriptor>();
            foreach (var parameter in action?.Parameters ?? [])
            {
                if (parameter.BindingInfo?.BindingSource == BindingSource.Query)
                {
                    parameters.Add(("query", parameter.BindingInfo.BinderModelName ?? parameter.Name));
                }
            }

            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            routes.AddRange(methods.Select(m => new Route(path, m.ToLowerInvariant(), parameters)));
        }

        return routes;
    }

    private static JsonElement Schema(JsonElement document, string path, string method) =>
        Resolve(document, document.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("responses")
            .EnumerateObject().First(r => r.Name.StartsWith('2')).Value.GetProperty("content").GetProperty("application/json").GetProperty("schema"));

    private static JsonElement Resolve(JsonElement document, JsonElement schema)
    {
        while (schema.TryGetProperty("$ref", out var reference))
        {
            schema = document.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!["#/components/schemas/".Length..]);
        }

        return schema;
    }

    /// <summary>Every field of the real JSON is documented, with a matching kind, all the way down.</summary>
    private static void Fits(JsonElement document, JsonElement schema, JsonElement value, string where)
    {
        schema = Resolve(document, schema);
        foreach (var key in new[] { "oneOf", "anyOf" })
        {
            if (schema.TryGetProperty(key, out var choices))
            {
                var options = choices.EnumerateArray().Select(c => Resolve(document, c)).ToList();
                schema = value.ValueKind == JsonValueKind.Null
                    ? options.First()
                    : options.First(o => !(o.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "null"));
                schema = Resolve(document, schema);
            }
        }

        var types = !schema.TryGetProperty("type", out var type) ? [] : type.ValueKind == JsonValueKind.Array
            ? type.EnumerateArray().Select(t => t.GetString()).ToHashSet()
            : new HashSet<string?> { type.GetString() };
        var kind = value.ValueKind switch
        {
            JsonValueKind.Object => "object",
            JsonValueKind.Array => "array",
            JsonValueKind.String => "string",
            JsonValueKind.Number => value.TryGetInt64(out _) ? "integer" : "number",
            JsonValueKind.Null => "null",
            _ => "boolean",
        };
        Assert.True(types.Count == 0 || types.Contains(kind) || kind == "integer" && types.Contains("number"),
            $"{where}: {kind} where the document says {string.Join('|', types)}");

        if (value.ValueKind == JsonValueKind.Object)
        {
            if (schema.TryGetProperty("properties", out var properties))
            {
                foreach (var property in value.EnumerateObject())
                {
                    Assert.True(properties.TryGetProperty(property.Name, out var inner), $"{where}: '{property.Name}' is not documented");
                    if (property.Name != "metadata")
                    {
                        Fits(document, inner, property.Value, $"{where}.{property.Name}");
                    }
                }
            }
            else
            {
                Assert.True(schema.TryGetProperty("additionalProperties", out var values), $"{where}: an object without documented fields");
                foreach (var property in value.EnumerateObject())
                {
                    Fits(document, values, property.Value, $"{where}.{property.Name}");
                }
            }
        }
        else if (value.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in value.EnumerateArray())
            {
                Fits(document, schema.GetProperty("items"), item, $"{where}[]");
            }
        }
    }
}

using LogAggregator.Model;
using Microsoft.AspNetCore.Mvc;
using LogAggregator.Web.Json;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace LogAggregator.Web;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c>, generated from the controllers' typed responses. Entries are
/// written by hand-made converters (metadata is the agent's own JSON, copied raw), so their schemas are given here;
/// <c>/metrics</c> is mapped by OpenTelemetry's exporter, outside MVC, so it is added here too.
/// </summary>
public static class OpenApiDocumentation
{
    public const string DocumentName = "v1";

    public static IServiceCollection AddLogAggregatorOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, options =>
        {
            // The contract calls it an entry; StoredEntry is only how the store hands it over.
            options.CreateSchemaReferenceId = type =>
                type.Type == typeof(StoredEntry) ? "LogEntry" : OpenApiOptions.CreateDefaultSchemaReferenceId(type);
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "LogAggregator";
                document.Info.Description = "Log collection, search and alerting. Lists of entries are newest first; bad input gets 400 with an RFC 7807 problem body naming the field.";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = Security.ApiKeyAuthenticationHandler.HeaderName,
                    Description = "Only when API keys are configured (API_KEYS); also accepted as Authorization: Bearer, or X-Seq-ApiKey. Each operation names the scope it needs.",
                };
                document.Paths ??= [];
                document.Paths["/metrics"] = new OpenApiPathItem
                {
                    Operations = new Dictionary<HttpMethod, OpenApiOperation>
                    {
                        [HttpMethod.Get] = new()
                        {
                            Summary = "Prometheus text format (OpenTelemetry's exporter)",
                            Tags = new HashSet<OpenApiTagReference> { new("Metrics", document) },
                            Responses = new OpenApiResponses
                            {
                                ["200"] = new OpenApiResponse
                                {
                                    Description = "The LogAggregator meter",
                                    Content = new Dictionary<string, OpenApiMediaType>
                                    {
                                        ["text/plain"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                                    },
                                },
                            },
                        },
                    },
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer(async (operation, context, cancellationToken) =>
            {
                // MVC can also write JSON as text/plain and text/json; clients are told the one they get.
                foreach (var response in operation.Responses?.Values.AsEnumerable() ?? [])
                {
                    if (response.Content is { } content && content.ContainsKey("application/json"))
                    {
                        content.Remove("text/plain");
                        content.Remove("text/json");
                    }
                }

                // Bodies are read by hand (so each refusal names its field): the action says what it reads.
                var body = context.Description.ActionDescriptor.EndpointMetadata.OfType<RequestBodyAttribute>().FirstOrDefault();
                if (body is not null)
                {
                    var schema = body.Type is null
                        ? new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" }
                        : await context.GetOrCreateSchemaAsync(body.Type, null, cancellationToken);
                    operation.RequestBody = new OpenApiRequestBody
                    {
                        Required = true,
                        Description = body.Description,
                        Content = body.ContentTypes.ToDictionary(type => type, _ => new OpenApiMediaType { Schema = schema }),
                    };
                }

                await DocumentScopeAsync(operation, context, cancellationToken);

                var takesInput = body is not null || operation.Parameters?.Any(p => p.In == ParameterLocation.Query) == true;
                if (takesInput)
                {
                    operation.Responses ??= [];
                    operation.Responses["400"] = new OpenApiResponse
                    {
                        Description = "Bad input: an RFC 7807 problem whose `field` names the culprit; nothing of the request is stored",
                        Content = new Dictionary<string, OpenApiMediaType>
                        {
                            ["application/problem+json"] = new()
                            {
                                Schema = await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, cancellationToken),
                            },
                        },
                    };
                }
            });
            options.AddSchemaTransformer(async (schema, context, cancellationToken) =>
            {
                var type = context.JsonTypeInfo.Type;
                // Lists of entries: the generator leaves out the items of a type written by a converter.
                var element = type.IsGenericType && type.GetGenericArguments() is [var argument]
                    && typeof(IEnumerable<>).MakeGenericType(argument).IsAssignableFrom(type) ? argument : null;
                if (element == typeof(StoredEntry) || element == typeof(SearchHit))
                {
                    schema.Items = await context.GetOrCreateSchemaAsync(element, null, cancellationToken);
                    return;
                }

                if (type != typeof(StoredEntry) && type != typeof(SearchHit))
                {
                    return;
                }

                schema.Type = JsonSchemaType.Object;
                schema.Properties = EntryProperties();
                schema.Required = new HashSet<string>(schema.Properties.Keys);
                if (type == typeof(SearchHit))
                {
                    var highlight = await context.GetOrCreateSchemaAsync(typeof(Highlight), null, cancellationToken);
                    schema.Properties["_highlights"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = highlight };
                    schema.Required.Add("_highlights");
                }
            });
        });

    private const string ApiKeyScheme = "apiKey";

    /// <summary>The scope an operation needs, and its 401 and 403, when keys are on (health and the like stay open by default).</summary>
    private static async Task DocumentScopeAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var access = context.Description.ActionDescriptor.EndpointMetadata.OfType<Security.RequiresScopeAttribute>().FirstOrDefault()?.Access;
        if (access is null or Security.EndpointAccess.Operations)
        {
            return;
        }

        var scope = access.Value.ToString().ToLowerInvariant();
        operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, context.Document)] = [scope] }];
        var problem = await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, cancellationToken);
        operation.Responses ??= [];
        operation.Responses["401"] = Problem("No API key, or an unknown one (only when keys are configured)", problem);
        operation.Responses["403"] = Problem($"The API key lacks the {scope} scope", problem);
    }

    private static OpenApiResponse Problem(string description, IOpenApiSchema schema) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = schema } },
    };

    /// <summary>The contract's entry (DESIGN.md section 2), as <see cref="EntryJson.WriteFields"/> writes it.</summary>
    private static Dictionary<string, IOpenApiSchema> EntryProperties() => new()
    {
        ["id"] = Text("Assigned by the server, stable; usable with /api/logs/context"),
        ["timestamp"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time", Description = "ISO-8601 UTC" },
        ["level"] = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Enum = Levels.All.Select(l => (System.Text.Json.Nodes.JsonNode)l.Name()).ToList(),
        },
        ["agent"] = Text("As sent; filters match it case-insensitively"),
        ["message"] = Text(null),
        ["source"] = Text("The file path for tailed lines; for POSTed entries as given, else api"),
        ["metadata"] = new OpenApiSchema { Type = JsonSchemaType.Object, Description = "The agent's own fields, as sent" },
    };

    private static OpenApiSchema Text(string? description) => new() { Type = JsonSchemaType.String, Description = description };
}

/// <summary>The body an action reads by hand, for the OpenAPI document (null <see cref="Type"/>: bytes of the protocol's own encoding).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequestBodyAttribute(Type? type, string description, params string[] contentTypes) : Attribute
{
    public Type? Type { get; } = type;
    public string Description { get; } = description;
    public IReadOnlyList<string> ContentTypes { get; } = contentTypes;
}

/// <summary>An entry as posted (DESIGN.md section 2): only <c>message</c> is required; unknown fields go into metadata.</summary>
public sealed record EntryRequest(
    string Message, DateTime? Timestamp = null, string? Level = null, string? Agent = null, string? Source = null,
    System.Text.Json.JsonElement? Metadata = null);

/// <summary><c>POST /api/alerts/silences</c>: at least one matcher field; duration like "30m", "2h" or a number of seconds.</summary>
public sealed record SilenceRequest(SilenceMatcherRequest Matcher, string Duration, string? Comment = null);

public sealed record SilenceMatcherRequest(string? Agent = null, string? Key = null, string? Pattern = null);

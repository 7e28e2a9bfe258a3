using System.Security.Claims;
using System.Text.Encodings.Web;
using LogAggregator.Configuration;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace LogAggregator.Web.Security;

/// <summary>
/// API keys as an ASP.NET authentication scheme. A key travels as <c>X-API-Key</c>, <c>Authorization: Bearer</c> or
/// Seq's <c>X-Seq-ApiKey</c> (never in the URL, which proxies and request logs keep). It becomes a principal with one
/// <c>scope</c> claim per scope; the policies of <see cref="RequiresScopeAttribute"/> check those. With no keys
/// configured every request is the open principal, holding every scope, so the API stays as open as the old
/// service's. Refusals are RFC 7807 problem bodies: 401 without a key or with an unknown one, 403 without the scope.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ApiKeyStore keys,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string ScopeClaim = "scope";
    public const string HeaderName = "X-API-Key";
    public const string SeqHeaderName = "X-Seq-ApiKey";

    private static readonly ClaimsPrincipal OpenPrincipal = Principal("open", ApiScopes.Admin);
    private readonly ILogger _log = loggerFactory.CreateLogger<ApiKeyAuthenticationHandler>();

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!keys.KeysRequired)
        {
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(OpenPrincipal, SchemeName)));
        }

        var presented = PresentedKey(Request.Headers);
        if (presented is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var key = keys.Find(presented);
        if (key is null)
        {
            // The name of the key is all a log may show; an unknown key has none, and its text stays out.
            _log.LogWarning("Refused {Method} {Path} from {Address}: unknown API key", Request.Method, Request.Path, Context.Connection.RemoteIpAddress);
            return Task.FromResult(AuthenticateResult.Fail("unknown API key"));
        }

        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(Principal(key.Name, key.Scopes), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await Context.AuthenticateAsync(SchemeName);
        var detail = result.Failure is not null
            ? "the API key is not known"
            : $"this endpoint needs an API key: send it as {HeaderName} or Authorization: Bearer";
        Response.Headers.WWWAuthenticate = "Bearer realm=\"log-aggregator\"";
        await WriteProblemAsync(StatusCodes.Status401Unauthorized, "Unauthorized", detail);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var name = Context.User.Identity?.Name ?? "?";
        _log.LogInformation("Refused {Method} {Path}: API key '{Key}' lacks the scope", Request.Method, Request.Path, name);
        await WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden", $"the API key '{name}' lacks the scope this endpoint needs");
    }

    private async Task WriteProblemAsync(int status, string title, string detail)
    {
        Response.StatusCode = status;
        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }

    /// <summary>The first of the accepted headers that carries something.</summary>
    private static string? PresentedKey(IHeaderDictionary headers)
    {
        if (headers[HeaderName].ToString() is { Length: > 0 } direct)
        {
            return direct.Trim();
        }

        var authorization = headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && authorization.Length > 7)
        {
            return authorization[7..].Trim();
        }

        return headers[SeqHeaderName].ToString() is { Length: > 0 } seq ? seq.Trim() : null;
    }

    private static ClaimsPrincipal Principal(string name, ApiScopes scopes)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, name) };
        foreach (var scope in new[] { ApiScopes.Ingest, ApiScopes.Read, ApiScopes.Admin })
        {
            if ((scopes & scope) == scope)
            {
                claims.Add(new Claim(ScopeClaim, scope.ToString().ToLowerInvariant()));
            }
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
    }
}

public static class ApiKeyAuthenticationExtensions
{
    /// <summary>The scheme, one policy per <see cref="EndpointAccess"/>, and admin for any endpoint that declares none.</summary>
    public static IServiceCollection AddApiKeys(this IServiceCollection services, SecuritySettings settings)
    {
        services.AddSingleton(new ApiKeyStore(settings));
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorization(authorization =>
        {
            foreach (var access in Enum.GetValues<EndpointAccess>())
            {
                var scope = access switch
                {
                    EndpointAccess.Operations when settings.OpenHealthAndMetrics => null,
                    EndpointAccess.Operations or EndpointAccess.Read => "read",
                    EndpointAccess.Ingest => "ingest",
                    _ => "admin",
                };
                authorization.AddPolicy(RequiresScopeAttribute.PolicyName(access), policy =>
                {
                    if (scope is null)
                    {
                        policy.RequireAssertion(_ => true);
                    }
                    else
                    {
                        policy.RequireAuthenticatedUser().RequireClaim(ApiKeyAuthenticationHandler.ScopeClaim, scope);
                    }
                });
            }

            // An endpoint added without declaring its scope is closed to all but admin keys until it does; a path that
            // is no endpoint at all goes on to its 404.
            authorization.FallbackPolicy = new AuthorizationPolicyBuilder()
                .RequireAssertion(context =>
                    (context.Resource is HttpContext http && http.GetEndpoint() is null)
                    || context.User.HasClaim(ApiKeyAuthenticationHandler.ScopeClaim, "admin"))
                .Build();
        });
        return services;
    }
}

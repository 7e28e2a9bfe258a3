using System.Globalization;
using System.Threading.RateLimiting;
using LogAggregator.Configuration;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace LogAggregator.Web;

/// <summary>
/// Per-client request rates on the API (<c>http.rate-limit</c>, off by default): a token bucket per API key when
/// the request carries one, else per remote address. The web page, <c>/health</c> and <c>/metrics</c> are not
/// counted. Beyond the rate: 429 with Retry-After and a problem body.
/// </summary>
public static class RateLimiting
{
    public static IServiceCollection AddLogAggregatorRateLimits(this IServiceCollection services, RateLimitSettings limits, bool keysRequired) =>
        services.AddRateLimiter(options =>
        {
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                !limits.Enabled || !Counted(context.Request.Path)
                    ? RateLimitPartition.GetNoLimiter("uncounted")
                    : RateLimitPartition.GetTokenBucketLimiter(Client(context, keysRequired), _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = limits.Burst,
                        TokensPerPeriod = limits.RequestsPerSecond,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    }));
            options.OnRejected = async (rejected, cancellationToken) =>
            {
                var response = rejected.HttpContext.Response;
                var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                var problems = rejected.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = rejected.HttpContext,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many requests",
                        Detail = $"more than {limits.RequestsPerSecond} requests a second (burst {limits.Burst}) from this client (http.rate-limit)",
                    },
                });
            };
        });

    private static bool Counted(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments("/v1") || path.StartsWithSegments("/loki");

    /// <summary>
    /// The API key's name when keys are on and the request carried one, else the remote address. (With keys off every
    /// request is the same open principal, which must not make all clients one.)
    /// </summary>
    private static string Client(HttpContext context, bool keysRequired) =>
        keysRequired && context.User.Identity is { IsAuthenticated: true, Name: { } key }
            ? "key:" + key
            : "address:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
}

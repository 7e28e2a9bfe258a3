namespace LogAggregator.Web;

/// <summary>
/// Headers on every response, the UI's pages above all: its scripts, styles and requests come from this server only
/// (no inline script, so a log line that slipped into the page as markup still runs nothing), it is never framed,
/// nothing is content-sniffed into HTML, and no referrer carrying a query (which may hold a search) leaves it.
/// </summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

    /// <summary>Set as the response starts, so answers written by the exception handler (which clears headers) get them too.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                return Task.CompletedTask;
            });
            return next(context);
        });
}

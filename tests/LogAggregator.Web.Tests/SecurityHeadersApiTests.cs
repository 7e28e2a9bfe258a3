using System.Net;

namespace LogAggregator.Web.Tests;

/// <summary>The UI's pages run only the server's own scripts and styles, are never framed, and leak no referrer.</summary>
public sealed class SecurityHeadersApiTests : IAsyncLifetime
{
    private const string Policy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData("/")]
    [InlineData("/index.html")]
    public async Task The_UI_is_served_with_a_strict_content_security_policy(string path)
    {
        var response = await _host.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        AssertHeaders(response);
    }

    [Theory]
    [InlineData("/api/logs", HttpStatusCode.OK)]
    [InlineData("/api/logs?level=LOUD", HttpStatusCode.BadRequest)]
    [InlineData("/no/such/page.js", HttpStatusCode.NotFound)]
    public async Task API_answers_and_errors_carry_the_same_headers(string path, HttpStatusCode status)
    {
        var response = await _host.Client.GetAsync(path);

        Assert.Equal(status, response.StatusCode);
        AssertHeaders(response);
    }

    private static void AssertHeaders(HttpResponseMessage response)
    {
        Assert.Equal(Policy, Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
    }
}

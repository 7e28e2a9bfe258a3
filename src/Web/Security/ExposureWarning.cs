using System.Net;
using LogAggregator.Configuration;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace LogAggregator.Web.Security;

/// <summary>
/// At start, one warning when the server listens beyond this machine with no API keys (anyone who reaches the port
/// may read every log and write or silence), and one per key given as text so short it can be guessed.
/// </summary>
public static class ExposureWarning
{
    public static void WarnAboutExposure(this WebApplication app, SecuritySettings settings)
    {
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ExposureWarning).FullName!);
        foreach (var key in settings.ApiKeys.Where(k => k.Short))
        {
            log.LogWarning("API key '{Key}' is shorter than {Length} characters and can be guessed; use a long random key", key.Name, ApiKeyParsing.ShortKeyLength);
        }

        if (settings.KeysRequired)
        {
            return;
        }

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var exposed = addresses.Where(a => !IsLoopback(a)).ToList();
            if (exposed.Count > 0)
            {
                log.LogWarning(
                    "No API keys are configured and the server listens on {Addresses}, beyond this machine: anyone who can reach it can read every log, write entries and silence alerts. Set API_KEYS or log-aggregator.security.api-keys (docs/SECURITY.md)",
                    string.Join(", ", exposed));
            }
        });
    }

    /// <summary>Whether a listening address (<c>http://127.0.0.1:8062</c>, <c>http://[::]:80</c>, <c>http://*:80</c>) reaches this machine only.</summary>
    public static bool IsLoopback(string address)
    {
        // Kestrel's wildcards (*, +) are not valid URI hosts; anything it cannot read as a URL is treated as exposed.
        if (!Uri.TryCreate(address.Replace("://*", "://wildcard").Replace("://+", "://wildcard"), UriKind.Absolute, out var uri))
        {
            return false;
        }

        if (uri.Host == "wildcard")
        {
            return false;
        }

        return string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase)
               || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
    }
}

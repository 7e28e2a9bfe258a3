using System.Security.Cryptography;
using System.Text;

namespace LogAggregator.Web.Tests.Security;

/// <summary>The keys the security tests configure: one per scope, and one holding ingest and read but not admin.</summary>
public static class TestKeys
{
    public const string Ingest = "ingest-key-7f3a9c2e1b5d";
    public const string Read = "read-key-4d8e2a6c0f9b1a";
    public const string IngestAndRead = "rw-key-93b1c7e5a2d4f608";
    public const string Admin = "admin-key-1e6f0b8d3c7a9e";

    /// <summary>As <c>API_KEYS</c> takes them: NAME:KEY:SCOPES.</summary>
    public static readonly string Variable =
        $"ingester:{Ingest}:ingest,reader:{Read}:read,writer:{IngestAndRead}:ingest+read,operator:{Admin}:admin";

    public static string Sha256Hex(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key))).ToLowerInvariant();

    /// <summary>A request to <paramref name="path"/> carrying <paramref name="key"/> (if any) in <paramref name="header"/>.</summary>
    public static HttpRequestMessage Request(HttpMethod method, string path, string? key, string header = "X-API-Key")
    {
        var request = new HttpRequestMessage(method, path);
        if (key is null)
        {
            return request;
        }

        if (header == "Authorization")
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + key);
        }
        else
        {
            request.Headers.TryAddWithoutValidation(header, key);
        }

        return request;
    }
}

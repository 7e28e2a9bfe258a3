using System.Security.Cryptography;
using System.Text;
using LogAggregator.Configuration;
using static LogAggregator.Tests.Configuration.OperatorFile;

namespace LogAggregator.Tests.Configuration;

/// <summary>API keys from API_KEYS and from HOCON: hashed at once, every mistake a one-line start-up error.</summary>
public sealed class ApiKeySettingsTests
{
    private static byte[] Sha(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    [Fact]
    public void Shipped_file_has_no_keys_and_leaves_health_and_metrics_open()
    {
        var security = Load([]).Security;

        Assert.False(security.KeysRequired);
        Assert.True(security.OpenHealthAndMetrics);
    }

    [Fact]
    public void Api_keys_variable_takes_keys_with_and_without_names_and_keeps_only_their_hashes()
    {
        var keys = Load(new() { ["API_KEYS"] = "k1-0123456789abcdef:ingest, ci:k2-0123456789abcdef:read+ingest,ops:k3-0123456789abcdef:ADMIN" }).Security.ApiKeys;

        Assert.Equal(["API_KEYS[1]", "ci", "ops"], keys.Select(k => k.Name));
        Assert.Equal([ApiScopes.Ingest, ApiScopes.Ingest | ApiScopes.Read, ApiScopes.Admin], keys.Select(k => k.Scopes));
        Assert.Equal(Sha("k2-0123456789abcdef"), keys[1].Sha256);
        // Admin grants the other two.
        Assert.True((keys[2].Scopes & ApiScopes.Read) == ApiScopes.Read && (keys[2].Scopes & ApiScopes.Ingest) == ApiScopes.Ingest);
        Assert.DoesNotContain("k1-0123456789abcdef", keys.ToString());
    }

    [Fact]
    public void Design_example_with_short_keys_is_accepted_and_flagged_short()
    {
        var keys = Load(new() { ["API_KEYS"] = "k1:ingest,k2:read,k3:ingest+read" }).Security.ApiKeys;

        Assert.Equal(3, keys.Count);
        Assert.All(keys, k => Assert.True(k.Short));
    }

    [Fact]
    public void Hocon_list_takes_a_key_by_hash_or_by_text_and_the_variable_replaces_it()
    {
        var hex = Convert.ToHexString(Sha("hashed-key-0123456789")).ToLowerInvariant();
        using var file = new OperatorFile($$"""
            log-aggregator.security {
              open-health-and-metrics = off
              api-keys = [
                { name = agents, key-sha256 = "{{hex}}", scopes = [ingest] }
                { name = on-call, key = "text-key-0123456789", scopes = [read, admin] }
              ]
            }
            """);

        var security = Load([], file.Path).Security;
        Assert.False(security.OpenHealthAndMetrics);
        Assert.Equal(["agents", "on-call"], security.ApiKeys.Select(k => k.Name));
        Assert.Equal(Sha("hashed-key-0123456789"), security.ApiKeys[0].Sha256);
        Assert.Equal(Sha("text-key-0123456789"), security.ApiKeys[1].Sha256);
        Assert.False(security.ApiKeys[1].Short);

        var replaced = Load(new() { ["API_KEYS"] = "only:only-key-0123456789:read" }, file.Path).Security.ApiKeys;
        Assert.Equal("only", Assert.Single(replaced).Name);
    }

    [Theory]
    [InlineData("k1-0123456789abcdef", "API_KEYS: item 1 must be KEY:SCOPES")]
    [InlineData("a:b:c:d", "API_KEYS: item 1 must be KEY:SCOPES")]
    [InlineData("k1-0123456789abcdef:write", "API_KEYS[1]: unknown scope 'write'")]
    [InlineData(":read", "API_KEYS[1]: give either a key")]
    [InlineData("k1-0123456789abcdef:", "API_KEYS[1]: unknown scope ''")]
    [InlineData("a:k1-0123456789abcdef:read,a:k2-0123456789abcdef:read", "API_KEYS: two keys are named 'a'")]
    [InlineData("a:same-key-0123456789:read,b:same-key-0123456789:ingest", "API_KEYS: keys 'a' and 'b' are the same key")]
    public void A_bad_api_keys_variable_stops_start_up_without_showing_the_key(string value, string message)
    {
        var error = Assert.Throws<ConfigurationException>(() => Load(new() { ["API_KEYS"] = value }));

        Assert.StartsWith(message, error.Message);
        Assert.DoesNotContain("0123456789", error.Message);
    }

    [Theory]
    [InlineData("""{ name = a, key-sha256 = "abc", scopes = [read] }""", "'a': key-sha256 must be 64 hex digits")]
    [InlineData("""{ name = a, key = "k-0123456789abcdef", key-sha256 = "ab", scopes = [read] }""", "'a': give either a key")]
    [InlineData("""{ name = a, key = "k-0123456789abcdef", scopes = [] }""", "'a': give at least one scope")]
    [InlineData("""{ key = "k-0123456789abcdef", scopes = [read] }""", "[1]: give the key a name")]
    public void A_bad_hocon_key_stops_start_up_naming_it(string entry, string message)
    {
        using var file = new OperatorFile("log-aggregator.security.api-keys = [" + entry + "]");

        var error = Assert.Throws<ConfigurationException>(() => Load([], file.Path));
        Assert.Contains("log-aggregator.security.api-keys" + (message.StartsWith('[') ? "" : " ") + message, error.Message);
        Assert.DoesNotContain("0123456789", error.Message);
    }
}

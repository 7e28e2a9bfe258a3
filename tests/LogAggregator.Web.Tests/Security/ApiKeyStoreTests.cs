using LogAggregator.Configuration;
using LogAggregator.Web.Security;

namespace LogAggregator.Web.Tests.Security;

/// <summary>
/// The key store compares SHA-256 hashes with FixedTimeEquals: a key that shares a prefix with a configured one, or
/// is one character longer or shorter, or is the configured hash itself, matches nothing; each key finds itself.
/// </summary>
public sealed class ApiKeyStoreTests
{
    private static readonly ApiKeyStore Store = new(new SecuritySettings(ApiKeyParsing.ParseVariable(
        "short:prefix-key-0123456789:read,long:prefix-key-01234567890:ingest,other:zzzz-key-0123456789:admin")));

    [Theory]
    [InlineData("prefix-key-0123456789", "short")]
    [InlineData("prefix-key-01234567890", "long")]
    [InlineData("zzzz-key-0123456789", "other")]
    [InlineData(" prefix-key-0123456789", null)]
    [InlineData("prefix-key-012345678", null)]
    [InlineData("prefix-key-012345678901", null)]
    [InlineData("prefix-key-0123456788", null)]
    [InlineData("PREFIX-KEY-0123456789", null)]
    [InlineData("prefix-key-", null)]
    [InlineData("p", null)]
    [InlineData("", null)]
    public void Only_the_exact_key_matches_however_much_of_it_is_right(string presented, string? name)
    {
        Assert.Equal(name, Store.Find(presented)?.Name);
    }

    [Fact]
    public void The_stored_hash_is_not_a_key()
    {
        var hash = Convert.ToHexString(Store.Keys[0].Sha256);

        Assert.Null(Store.Find(hash));
        Assert.Null(Store.Find(hash.ToLowerInvariant()));
    }

    [Fact]
    public void Garbage_and_oversized_keys_match_nothing()
    {
        Assert.Null(Store.Find(new string('a', ApiKeyStore.MaxKeyLength + 1)));
        Assert.Null(Store.Find("prefix-key-0123456789" + new string('\0', 3)));
        Assert.Null(Store.Find("\ud800prefix-key-0123456789"));
        Assert.Null(Store.Find("prefix-key-0123456789".PadRight(ApiKeyStore.MaxKeyLength, 'x')));
    }
}

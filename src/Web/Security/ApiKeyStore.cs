using System.Security.Cryptography;
using LogAggregator.Configuration;

namespace LogAggregator.Web.Security;

/// <summary>
/// The configured keys, as SHA-256 hashes only. A presented key is hashed and compared with every stored hash in
/// constant time (<see cref="CryptographicOperations.FixedTimeEquals"/>), without stopping at the first match: how
/// long a check takes says nothing about how much of a key was right, nor which key matched.
/// </summary>
public sealed class ApiKeyStore(SecuritySettings settings)
{
    /// <summary>Longer presented keys are refused unhashed: no configured key is this long, and hashing costs.</summary>
    public const int MaxKeyLength = 4096;

    public bool KeysRequired => settings.KeysRequired;

    public IReadOnlyList<ApiKeySettings> Keys => settings.ApiKeys;

    /// <summary>The key whose hash matches <paramref name="presented"/>, or null.</summary>
    public ApiKeySettings? Find(ReadOnlySpan<char> presented)
    {
        if (presented.IsEmpty || presented.Length > MaxKeyLength)
        {
            return null;
        }

        var hash = ApiKeyParsing.Hash(presented);
        ApiKeySettings? found = null;
        foreach (var key in settings.ApiKeys)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, key.Sha256))
            {
                found = key;
            }
        }

        return found;
    }
}

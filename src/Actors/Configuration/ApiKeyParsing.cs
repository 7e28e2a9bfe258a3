using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Akka.Configuration;

namespace LogAggregator.Configuration;

/// <summary>
/// Reads the API keys from <c>API_KEYS</c> or the HOCON list and keeps only their SHA-256: the text of a key is
/// hashed here and never stored, logged or put in an error message.
/// </summary>
public static class ApiKeyParsing
{
    public const string Variable = "API_KEYS";
    public const string HoconPath = "log-aggregator.security.api-keys";

    /// <summary>
    /// <c>KEY:SCOPES</c> or <c>NAME:KEY:SCOPES</c>, comma-separated, scopes joined by <c>+</c>
    /// (<c>k1:ingest,ci:k2:read+ingest</c>). A key without a name is called <c>API_KEYS[n]</c> (from 1) in the log.
    /// </summary>
    public static IReadOnlyList<ApiKeySettings> ParseVariable(string value)
    {
        var keys = new List<ApiKeySettings>();
        var items = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < items.Length; i++)
        {
            var parts = items[i].Split(':', StringSplitOptions.TrimEntries);
            var label = $"{Variable}[{i + 1}]";
            var (name, key, scopes) = parts.Length switch
            {
                2 => (label, parts[0], parts[1]),
                3 => (parts[0], parts[1], parts[2]),
                _ => throw new ConfigurationException(
                    $"{Variable}: item {i + 1} must be KEY:SCOPES or NAME:KEY:SCOPES (scopes from ingest, read, admin joined by +)"),
            };
            keys.Add(Make(label, name, key, null, scopes.Split('+', StringSplitOptions.TrimEntries)));
        }

        return Checked(keys, Variable);
    }

    /// <summary><c>[{ name, key-sha256 = "hex" (or key = "text"), scopes = [ingest, read, admin] }]</c>.</summary>
    public static IReadOnlyList<ApiKeySettings> ParseHocon(Config root)
    {
        var value = root.GetValue("security.api-keys");
        if (value is null || value.IsEmpty)
        {
            return [];
        }

        var keys = new List<ApiKeySettings>();
        var index = 0;
        foreach (var item in value.GetArray())
        {
            index++;
            var entry = new Config(new Akka.Configuration.Hocon.HoconRoot(item));
            var name = entry.GetString("name", "");
            var label = string.IsNullOrWhiteSpace(name) ? $"{HoconPath}[{index}]" : $"{HoconPath} '{name}'";
            var scopes = entry.HasPath("scopes") ? entry.GetStringList("scopes").ToArray() : [];
            keys.Add(Make(label, name, entry.GetString("key", null), entry.GetString("key-sha256", null), scopes));
        }

        return Checked(keys, HoconPath);
    }

    /// <summary>The SHA-256 of a presented key, in the form the settings keep.</summary>
    public static byte[] Hash(ReadOnlySpan<char> key)
    {
        var length = Encoding.UTF8.GetMaxByteCount(key.Length);
        var bytes = length <= 1024 ? stackalloc byte[length] : new byte[length];
        var written = Encoding.UTF8.GetBytes(key, bytes);
        return SHA256.HashData(bytes[..written]);
    }

    private static ApiKeySettings Make(string label, string name, string? key, string? sha256, IReadOnlyList<string> scopeNames)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Any(char.IsControl))
        {
            throw new ConfigurationException($"{label}: give the key a name (it is what the log shows instead of the key)");
        }

        byte[] hash;
        var isShort = false;
        if (!string.IsNullOrEmpty(key) && sha256 is null)
        {
            isShort = key.Length < ShortKeyLength;
            hash = Hash(key);
        }
        else if (sha256 is not null && string.IsNullOrEmpty(key))
        {
            hash = HexHash(label, sha256);
        }
        else
        {
            throw new ConfigurationException($"{label}: give either a key or its key-sha256, not both and not neither");
        }

        var scopes = ApiScopes.None;
        foreach (var scope in scopeNames)
        {
            scopes |= scope.ToLowerInvariant() switch
            {
                "ingest" => ApiScopes.Ingest,
                "read" => ApiScopes.Read,
                "admin" => ApiScopes.Admin,
                _ => throw new ConfigurationException($"{label}: unknown scope '{scope}' (ingest, read, admin)"),
            };
        }

        return scopes == ApiScopes.None
            ? throw new ConfigurationException($"{label}: give at least one scope (ingest, read, admin)")
            : new ApiKeySettings(name.Trim(), hash, scopes, isShort);
    }

    /// <summary>A key shorter than this is accepted (the operator's choice) with a warning at start: it can be guessed.</summary>
    public const int ShortKeyLength = 16;

    private static byte[] HexHash(string label, string hex)
    {
        try
        {
            var bytes = Convert.FromHexString(hex.Trim());
            return bytes.Length == 32 ? bytes : throw new FormatException();
        }
        catch (FormatException)
        {
            throw new ConfigurationException(
                $"{label}: key-sha256 must be 64 hex digits (e.g. from `printf %s KEY | sha256sum`), got {hex.Trim().Length.ToString(CultureInfo.InvariantCulture)} characters");
        }
    }

    private static IReadOnlyList<ApiKeySettings> Checked(List<ApiKeySettings> keys, string source)
    {
        foreach (var group in keys.GroupBy(k => k.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            throw new ConfigurationException($"{source}: two keys are named '{group.Key}'");
        }

        for (var i = 0; i < keys.Count; i++)
        {
            for (var j = i + 1; j < keys.Count; j++)
            {
                if (keys[i].Sha256.AsSpan().SequenceEqual(keys[j].Sha256))
                {
                    throw new ConfigurationException($"{source}: keys '{keys[i].Name}' and '{keys[j].Name}' are the same key");
                }
            }
        }

        return keys;
    }
}

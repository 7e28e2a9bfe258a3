namespace LogAggregator.Configuration;

/// <summary>The glob syntax LOG_SOURCES accepts: a path whose segments may hold <c>*</c> and <c>?</c>.</summary>
public static class Globs
{
    public static IReadOnlyList<string> ParseList(string value, string name)
    {
        var patterns = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (patterns.Length == 0)
        {
            throw new ConfigurationException($"{name} must hold at least one glob pattern, got '{value}'");
        }

        foreach (var pattern in patterns)
        {
            Validate(pattern, name);
        }

        return patterns;
    }

    public static void Validate(string pattern, string name)
    {
        string? problem =
            string.IsNullOrWhiteSpace(pattern) ? "an empty pattern"
            : pattern.IndexOfAny(['\0', '[', ']', '{', '}']) >= 0 ? "brackets, braces or NUL (only * and ? are supported)"
            : pattern.Contains("**", StringComparison.Ordinal) ? "** (recursive globs are not supported)"
            : pattern.EndsWith('/') ? "a directory, not a file pattern"
            : null;
        if (problem is not null)
        {
            throw new ConfigurationException($"{name} has an unreadable glob '{pattern}': {problem}");
        }
    }

    /// <summary>
    /// The files matching a pattern now; directories that do not exist or cannot be read match nothing. With
    /// <paramref name="directoriesToo"/>, directories the last segment matches are listed as well (to be reported).
    /// </summary>
    public static IEnumerable<string> Expand(string pattern, string workingDirectory, bool directoriesToo = false)
    {
        var full = Path.GetFullPath(pattern, workingDirectory);
        var root = Path.GetPathRoot(full) ?? "/";
        var segments = full[root.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        IEnumerable<string> current = [root];
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            var last = i == segments.Length - 1;
            current = current.SelectMany(dir => Children(dir, segment, last, directoriesToo)).ToList();
        }

        return current;
    }

    private static IEnumerable<string> Children(string directory, string segment, bool files, bool directoriesToo)
    {
        try
        {
            if (segment.IndexOfAny(['*', '?']) < 0)
            {
                var path = Path.Combine(directory, segment);
                return (files ? File.Exists(path) || (directoriesToo && Directory.Exists(path)) : Directory.Exists(path)) ? [path] : [];
            }

            var options = new EnumerationOptions { IgnoreInaccessible = true, MatchType = MatchType.Simple, AttributesToSkip = 0 };
            return files
                ? (directoriesToo ? Directory.EnumerateFileSystemEntries(directory, segment, options) : Directory.EnumerateFiles(directory, segment, options)).ToList()
                : Directory.EnumerateDirectories(directory, segment, options).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}

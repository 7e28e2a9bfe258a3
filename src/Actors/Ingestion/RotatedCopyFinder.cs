namespace LogAggregator.Ingestion;

/// <summary>
/// Finds logrotate's copy of a file truncated by `copytruncate`: what the tailer had not read before the truncation
/// exists only there (app.log.1, usually outside the globs). The copy is another file that starts with the same
/// bytes the truncated content started with and is at least as long as what was read of it, so the unread tail is
/// [offset, copy length) of the copy, read under the same generation as the rest of that content. What the writer
/// wrote between logrotate's copy and its truncation is in neither file: copytruncate loses it by its nature.
/// </summary>
public static class RotatedCopyFinder
{
    /// <summary>
    /// The copy of the content <paramref name="truncated"/> held before it was truncated: in the same directory, not
    /// the same file, starting like <paramref name="fingerprint"/>, at least <paramref name="offset"/> long, not
    /// compressed; the newest if several qualify. Opened and positioned at <paramref name="offset"/>; null if none.
    /// </summary>
    public static FileCursor? Find(FileCursor truncated, Fingerprint fingerprint, long offset, int maxLineBytes, int chunkBytes)
    {
        if (offset == 0 || fingerprint.Length == 0 || Path.GetDirectoryName(truncated.Path) is not { } directory)
        {
            return null;
        }

        FileCursor? best = null;
        var bestWritten = DateTime.MinValue;
        try
        {
            foreach (var candidate in Directory.EnumerateFiles(directory))
            {
                if (FileIdentity.OfPath(candidate) is not { IsRegular: true } status || status.Identity == truncated.Identity || status.Length < offset)
                {
                    continue;
                }

                if (FileCursor.OpenAt(candidate, status.Identity, maxLineBytes, chunkBytes) is not { } copy)
                {
                    continue;
                }

                var written = File.GetLastWriteTimeUtc(candidate);
                if (copy.Length >= offset && copy.StartsLike(fingerprint) && !copy.LooksCompressed && (best is null || written > bestWritten))
                {
                    best?.Dispose();
                    (best, bestWritten) = (copy, written);
                }
                else
                {
                    copy.Dispose();
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        best?.Seek(offset);
        return best;
    }
}

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
    public static FileCursor? Find(FileCursor truncated, Fingerprint fingerprint, long offset, int maxLineBytes, int chunkBytes) =>
        Agreed(() => FindOnce(truncated, fingerprint, offset, maxLineBytes, chunkBytes));

    private static FileCursor? FindOnce(FileCursor truncated, Fingerprint fingerprint, long offset, int maxLineBytes, int chunkBytes)
    {
        // Nothing read yet is still something to find, as long as the first bytes were seen.
        if (fingerprint.Length == 0 || Path.GetDirectoryName(truncated.Path) is not { } directory)
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
                    copy.WrittenAt = written;
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

    /// <summary>
    /// The copy of the content that followed the one copied at <paramref name="after"/>, when that content was
    /// truncated away as well before the tailer read any of it (two copytruncates within one store round trip, or
    /// while the node was down): the oldest copy of this file (its name starts like the live file's) last written
    /// after <paramref name="after"/>, that is not a copy of what the live file holds now. Opened at 0; null if none.
    /// </summary>
    public static FileCursor? FindNext(FileCursor live, DateTime after, Fingerprint finished, int maxLineBytes, int chunkBytes) =>
        Agreed(() => FindNextOnce(live, after, finished, maxLineBytes, chunkBytes));

    /// <summary>
    /// The same answer from two looks at the directory in a row (at most four looks): logrotate renames every copy
    /// one step on at each rotation, and a directory listing taken meanwhile may miss a file renamed across it.
    /// </summary>
    private static FileCursor? Agreed(Func<FileCursor?> look)
    {
        var found = look();
        for (var looks = 1; looks < 4; looks++)
        {
            var again = look();
            if (again?.Identity == found?.Identity)
            {
                again?.Dispose();
                return found;
            }

            found?.Dispose();
            found = again;
        }

        return found;
    }

    private static FileCursor? FindNextOnce(FileCursor live, DateTime after, Fingerprint finished, int maxLineBytes, int chunkBytes)
    {
        if (Path.GetDirectoryName(live.Path) is not { } directory)
        {
            return null;
        }

        var name = Path.GetFileName(live.Path);
        var stem = name.Split('.')[0];
        FileCursor? next = null;
        var nextWritten = DateTime.MaxValue;
        try
        {
            foreach (var candidate in Directory.EnumerateFiles(directory))
            {
                var candidateName = Path.GetFileName(candidate);
                if (candidateName == name || !OfTheSameFile(candidateName, stem) || File.GetLastWriteTimeUtc(candidate) is var written && (written <= after || written >= nextWritten)
                    || FileIdentity.OfPath(candidate) is not { IsRegular: true, Length: > 0 } status || status.Identity == live.Identity
                    || FileCursor.OpenAt(candidate, status.Identity, maxLineBytes, chunkBytes) is not { } copy)
                {
                    continue;
                }

                // A copy of the current content (logrotate copies before it truncates) is read from the live file.
                if (copy.LooksCompressed || live.StartsLike(copy.Fingerprint) || (finished.Length > 0 && copy.StartsLike(finished)))
                {
                    copy.Dispose();
                    continue;
                }

                next?.Dispose();
                (next, nextWritten) = (copy, written);
                copy.WrittenAt = written;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return next;
    }

    /// <summary>logrotate names a copy after its file: app.log.1, app.log-20240601, app-20240601.log (not app1.log.1).</summary>
    private static bool OfTheSameFile(string candidate, string stem) =>
        candidate.Length > stem.Length && candidate.StartsWith(stem, StringComparison.Ordinal) && candidate[stem.Length] is '.' or '-' or '_';
}

using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace LogAggregator.Ingestion;

/// <summary>What a look at an open file found.</summary>
public enum FileCheck
{
    /// <summary>The same content, maybe longer.</summary>
    Unchanged,

    /// <summary>Shorter than what was read, or its first bytes differ: truncated (and maybe regrown), or a reused inode.</summary>
    Replaced,
}

/// <summary>
/// One open file and the position in it: owns the handle, knows the file's identity and fingerprint from that
/// handle, and tells whether the content under the handle is still what was read (<see cref="Check"/>). Whatever
/// the file's names do meanwhile, the cursor reads the file it opened. Not thread-safe; one per tailer.
/// </summary>
public sealed class FileCursor : IDisposable
{
    /// <summary>How many leading bytes identify a file's content (Filebeat's default; Vector hashes its first line).</summary>
    public const int FingerprintBytes = 1024;

    private readonly SafeFileHandle _handle;
    private readonly FileStream _stream;
    private readonly int _maxLineBytes;
    private readonly int _chunkBytes;
    private LineReader _reader;
    private long _checkedLength = -1;

    private FileCursor(SafeFileHandle handle, FileStatus status, string path, int maxLineBytes, int chunkBytes)
    {
        _handle = handle;
        _stream = new FileStream(handle, FileAccess.Read, bufferSize: 0);
        Identity = status.Identity;
        Path = path;
        _maxLineBytes = maxLineBytes;
        _chunkBytes = chunkBytes;
        Fingerprint = Take(Math.Min(status.Length, FingerprintBytes));
        _reader = new LineReader(_stream, 0, maxLineBytes, chunkBytes, ownsStream: false);
    }

    /// <summary>Device and inode, read from the handle.</summary>
    public string Identity { get; }

    /// <summary>The name the file was opened by: where it was last seen, not necessarily where it is now.</summary>
    public string Path { get; }

    /// <summary>Of the first bytes, as far as the file reached when last checked.</summary>
    public Fingerprint Fingerprint { get; private set; }

    public LineReader Reader => _reader;

    /// <summary>For a rotated copy: when it was last written, as it was found (copies of one file are made in turn).</summary>
    public DateTime? WrittenAt { get; internal set; }

    /// <summary>
    /// Opens the file at <paramref name="path"/>; with an <paramref name="identity"/>, only that file: if the name now
    /// names another one, the file is looked for among the files of the same directory (rotated while nobody watched).
    /// Null when it is nowhere to be found, or is not a regular file.
    /// </summary>
    public static FileCursor? Open(string path, string? identity, int maxLineBytes, int chunkBytes)
    {
        if (OpenAt(path, identity, maxLineBytes, chunkBytes) is { } cursor)
        {
            return cursor;
        }

        if (identity is null || System.IO.Path.GetDirectoryName(path) is not { } directory || !Directory.Exists(directory))
        {
            return null;
        }

        try
        {
            foreach (var candidate in Directory.EnumerateFiles(directory))
            {
                if (candidate != path && FileIdentity.OfPath(candidate) is { IsRegular: true } status && status.Identity == identity
                    && OpenAt(candidate, identity, maxLineBytes, chunkBytes) is { } found)
                {
                    // gzip writes its output to a fresh file, which may be given the inode of a file deleted meanwhile:
                    // the same inode, but never the same file, and never one to read as text.
                    if (found.LooksCompressed)
                    {
                        found.Dispose();
                        continue;
                    }

                    return found;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }

    /// <summary>Opens the file at <paramref name="path"/> if it is the one with <paramref name="identity"/> (or any, without); no search.</summary>
    public static FileCursor? OpenAt(string path, string? identity, int maxLineBytes, int chunkBytes)
    {
        var handle = FileIdentity.OpenRegular(path);
        if (handle is null)
        {
            return null;
        }

        if (FileIdentity.Of(handle) is { } status && (identity is null || status.Identity == identity))
        {
            return new FileCursor(handle, status, path, maxLineBytes, chunkBytes);
        }

        handle.Dispose();
        return null;
    }

    /// <summary>Reads from <paramref name="offset"/> on from now (a new position after a restart or a truncation).</summary>
    public void Seek(long offset)
    {
        _reader.Dispose();
        _reader = new LineReader(_stream, offset, _maxLineBytes, _chunkBytes, ownsStream: false);
        _checkedLength = -1;
    }

    /// <summary>Whether the content still starts with the bytes <paramref name="fingerprint"/> was taken of.</summary>
    public bool StartsLike(Fingerprint fingerprint) =>
        fingerprint.Length == 0 || Take(fingerprint.Length) is var now && now.Length == fingerprint.Length && now.Hash == fingerprint.Hash;

    /// <summary>
    /// Looks at the file through the handle: shorter than what was read, or no longer starting with the bytes it
    /// started with, is <see cref="FileCheck.Replaced"/>, even when it has regrown past the old position meanwhile.
    /// A file whose length did not change since the last look is not read again.
    /// </summary>
    public FileCheck Check()
    {
        var length = Length;
        if (length < _reader.Position)
        {
            return FileCheck.Replaced;
        }

        if (length == _checkedLength)
        {
            return FileCheck.Unchanged;
        }

        if (!StartsLike(Fingerprint))
        {
            return FileCheck.Replaced;
        }

        if (Fingerprint.Length < FingerprintBytes && length > Fingerprint.Length)
        {
            Fingerprint = Take(Math.Min(length, FingerprintBytes));
        }

        _checkedLength = length;
        return FileCheck.Unchanged;
    }

    /// <summary>The file's length now, from the handle.</summary>
    public long Length => FileIdentity.Of(_handle)?.Length ?? _reader.Length;

    /// <summary>No name leads to the file any more (deleted): it will only grow while a writer still holds it.</summary>
    public bool Unlinked => FileIdentity.Of(_handle) is { Links: 0 };

    /// <summary>
    /// Whether the file starts like gzip, bzip2, xz or zstd output: logrotate's `compress` makes such files next to
    /// the logs, and no tailer reads one, whatever its name or inode.
    /// </summary>
    public bool LooksCompressed
    {
        get
        {
            Span<byte> head = stackalloc byte[6];
            var read = RandomAccess.Read(_handle, head, 0);
            head = head[..read];
            return head.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B]) || head.StartsWith("BZh"u8)
                || head.StartsWith((ReadOnlySpan<byte>)[0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) || head.StartsWith((ReadOnlySpan<byte>)[0x28, 0xB5, 0x2F, 0xFD]);
        }
    }

    /// <summary>A fresh look at the first bytes, for a new generation of the content.</summary>
    public void Refingerprint() => Fingerprint = Take(Math.Min(Length, FingerprintBytes));

    private Fingerprint Take(long count)
    {
        var buffer = new byte[count];
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = RandomAccess.Read(_handle, buffer.AsSpan(filled), filled);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled == 0 ? Fingerprint.Empty : new Fingerprint(filled, Convert.ToHexStringLower(SHA256.HashData(buffer.AsSpan(0, filled)))[..32]);
    }

    public void Dispose()
    {
        _reader.Dispose();
        _stream.Dispose();
        _handle.Dispose();
    }
}

/// <summary>
/// A file opened by discovery for a tailer that starts later (starts are throttled): the handle keeps the file's
/// data readable meanwhile, whatever logrotate does to its names. Taken once, by the tailer's first incarnation.
/// </summary>
public sealed class HandedOverCursor(FileCursor cursor) : IDisposable
{
    private FileCursor? _cursor = cursor;

    /// <summary>The cursor, the first time; null after that (a restarted tailer opens its file again).</summary>
    public FileCursor? Take() => Interlocked.Exchange(ref _cursor, null);

    public void Dispose() => Take()?.Dispose();
}

using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LogAggregator.Ingestion;

/// <summary>
/// What the kernel says of one file: its identity (device and inode), its length, how many names it has, and what
/// kind of file it is (<see cref="Kind"/>: "regular file", "FIFO", "socket", "character device", "block device", "directory").
/// </summary>
public readonly record struct FileStatus(string Identity, long Length, bool IsRegular, long Links, string Kind = FileStatus.Regular)
{
    public const string Regular = "regular file";
}

/// <summary>
/// Which file is which. The identity of a file is its device and inode: rotation by rename gives the name a new
/// identity and leaves the old file its own. The identity of what a tailer reads is always taken from the handle it
/// reads through (<see cref="Of(SafeFileHandle)"/>), never from a second look-up by name, which a rename in between
/// would make name another file. A reused inode or a truncation is told apart by <see cref="Fingerprint"/>.
/// </summary>
public static partial class FileIdentity
{
    private const int ReadOnly = 0;
    private const int NonBlocking = 0x800;
    private const int CloseOnExec = 0x80000;
    private const uint ModeTypeMask = 0xF000;
    private const uint RegularFile = 0x8000;

    private static readonly bool Native = OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    /// <summary>
    /// Opens a regular file for reading, or returns null: nothing there, no permission, or not a regular file. Opened
    /// non-blocking, so a FIFO that matches a glob cannot hold the opening thread, and refused after a look at the handle.
    /// </summary>
    public static SafeFileHandle? OpenRegular(string path)
    {
        if (!Native)
        {
            try
            {
                return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        var fd = Open(path, ReadOnly | NonBlocking | CloseOnExec);
        if (fd < 0)
        {
            return null;
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (Of(handle) is { IsRegular: true })
        {
            return handle;
        }

        handle.Dispose();
        return null;
    }

    /// <summary>The status of the file an open handle reads, whatever names it has now (maybe none).</summary>
    public static FileStatus? Of(SafeFileHandle handle)
    {
        if (!Native)
        {
            return new FileStatus("handle", RandomAccess.GetLength(handle), true, 1);
        }

        var buffer = new byte[256];
        return FStat((int)handle.DangerousGetHandle(), buffer) == 0 ? Read(buffer) : null;
    }

    /// <summary>
    /// The status of what a name points at now. Only for deciding which tailer should look at a name: the tailer then
    /// opens it and trusts what its handle says.
    /// </summary>
    public static FileStatus? OfPath(string path)
    {
        if (!Native)
        {
            var info = new FileInfo(path);
            return info.Exists ? new FileStatus("handle", info.Length, true, 1) : null;
        }

        var buffer = new byte[256];
        return Stat(path, buffer) == 0 ? Read(buffer) : null;
    }

    /// <summary>struct stat on glibc x86_64 and aarch64: st_dev, st_ino at 0 and 8, st_size at 48; mode and links differ.</summary>
    private static FileStatus Read(byte[] stat)
    {
        var x64 = RuntimeInformation.ProcessArchitecture == Architecture.X64;
        var mode = BitConverter.ToUInt32(stat, x64 ? 24 : 16);
        var links = x64 ? (long)BitConverter.ToUInt64(stat, 16) : BitConverter.ToUInt32(stat, 20);
        return new FileStatus(
            $"{BitConverter.ToUInt64(stat, 0):x}:{BitConverter.ToUInt64(stat, 8):x}",
            BitConverter.ToInt64(stat, 48),
            (mode & ModeTypeMask) == RegularFile,
            links,
            KindOf(mode & ModeTypeMask));
    }

    private static string KindOf(uint type) => type switch
    {
        RegularFile => FileStatus.Regular,
        0x1000 => "FIFO",
        0x2000 => "character device",
        0x4000 => "directory",
        0x6000 => "block device",
        0xC000 => "socket",
        _ => $"file of type 0x{type:x}",
    };

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    private static partial int FStat(int fd, byte[] buffer);

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Stat(string path, byte[] buffer);
}

/// <summary>
/// A hash of a file's first <see cref="Length"/> bytes (at most <see cref="FileCursor.FingerprintBytes"/>), as Vector
/// and Filebeat take it. While a file is shorter than that, the fingerprint covers what there is and grows with the
/// file; it is compared over the bytes it covers, so an empty file's fingerprint matches anything.
/// </summary>
public sealed record Fingerprint(int Length, string Hash)
{
    public static readonly Fingerprint Empty = new(0, "");
}

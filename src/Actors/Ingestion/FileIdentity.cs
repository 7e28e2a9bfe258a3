using System.Runtime.InteropServices;

namespace LogAggregator.Ingestion;

/// <summary>
/// Which file a path names right now: device and inode on Linux, so that a rotation by rename (a new file
/// under the same name) is told apart from the same file growing. Elsewhere the creation time stands in.
/// </summary>
public static partial class FileIdentity
{
    /// <summary>The identity of the file at <paramref name="path"/>, or null when nothing is there.</summary>
    public static string? Of(string path)
    {
        if (OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64)
        {
            // struct stat starts with st_dev then st_ino (8 bytes each) on glibc x86_64 and aarch64.
            var buffer = new byte[256];
            return Stat(path, buffer) == 0
                ? $"{BitConverter.ToUInt64(buffer, 0):x}:{BitConverter.ToUInt64(buffer, 8):x}"
                : null;
        }

        var info = new FileInfo(path);
        return info.Exists ? $"ctime:{info.CreationTimeUtc.Ticks:x}" : null;
    }

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Stat(string path, byte[] buffer);
}

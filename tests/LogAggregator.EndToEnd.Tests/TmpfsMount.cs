using System.Diagnostics;

namespace LogAggregator.EndToEnd.Tests;

/// <summary>
/// A small tmpfs the test mounts itself, so it can fill the disk under a real server and give the space back.
/// Mounting needs root (or CAP_SYS_ADMIN); <see cref="TryMount"/> says why not where it is not permitted.
/// </summary>
public sealed class TmpfsMount : IDisposable
{
    private TmpfsMount(string path) => Path = path;

    public string Path { get; }

    public static TmpfsMount? TryMount(int megabytes, out string whyNot)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "logagg-tmpfs-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(path);
        var (code, error) = Run("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", path);
        if (code != 0)
        {
            Directory.Delete(path);
            whyNot = $"cannot mount a tmpfs here (mount exited {code}: {error.Trim()})";
            return null;
        }

        whyNot = "";
        return new TmpfsMount(path);
    }

    /// <summary>Gives the file system more room, as an operator freeing space would.</summary>
    public void Resize(int megabytes)
    {
        var (code, error) = Run("mount", "-o", $"remount,size={megabytes}m", Path);
        Assert.True(code == 0, $"remount failed: {error}");
    }

    public void Dispose()
    {
        Run("umount", "-l", Path);
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static (int Code, string Error) Run(string file, params string[] args)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, UseShellExecute = false })!;
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, error);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}

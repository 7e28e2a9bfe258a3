using System.Globalization;

namespace LogAggregator.Web;

/// <summary>
/// Keeps a second server off this AGGREGATED_DIR. Two processes on one directory would share DuckDB and SQLite files
/// that each opens for itself: the second reports healthy, serves nothing and refuses every write. The lock is an
/// exclusive open of a lock file (FileShare.None, which .NET takes as flock(LOCK_EX) on Linux and macOS), so the
/// kernel releases it when the process dies however it dies: a SIGKILLed holder never blocks the next start.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    public const string LockFileName = "log-aggregator.lock";

    /// <summary>
    /// The holder's PID, beside the lock file rather than in it: a reader of a file that is locked with flock gets
    /// refused too, since .NET takes a shared flock on every open.
    /// </summary>
    public const string PidFileName = "log-aggregator.pid";

    private readonly FileStream _lock;
    private readonly string _pidFile;

    private DataDirectoryLock(FileStream held, string pidFile)
    {
        _lock = held;
        _pidFile = pidFile;
    }

    /// <summary>Takes the directory or throws <see cref="DataDirectoryInUseException"/> naming the holder.</summary>
    public static DataDirectoryLock Acquire(string directory)
    {
        Directory.CreateDirectory(directory);
        var lockFile = Path.Combine(directory, LockFileName);
        var pidFile = Path.Combine(directory, PidFileName);
        FileStream held;
        try
        {
            held = new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new DataDirectoryInUseException(directory, ReadHolder(pidFile));
        }

        File.WriteAllText(pidFile, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
        return new DataDirectoryLock(held, pidFile);
    }

    public void Dispose()
    {
        try
        {
            File.Delete(_pidFile);
        }
        catch (IOException)
        {
            // Only informational; the next holder overwrites it.
        }

        _lock.Dispose();
    }

    /// <summary>The holder writes its PID just after taking the lock; a start racing it may find none yet.</summary>
    private static int? ReadHolder(string pidFile)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            try
            {
                if (int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                {
                    return pid;
                }
            }
            catch (IOException)
            {
            }

            Thread.Sleep(50);
        }

        return null;
    }
}

/// <summary>Another live process holds AGGREGATED_DIR; the message is the one line Program.cs prints.</summary>
public sealed class DataDirectoryInUseException(string directory, int? holder)
    : Exception($"AGGREGATED_DIR {directory} is in use by {(holder is { } pid ? $"process {pid}" : "another process")}");

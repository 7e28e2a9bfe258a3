using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace LogAggregator.EndToEnd.Tests.RotationSoak;

/// <summary>
/// One agent appending to its log file on a thread of its own, a JSON line every few milliseconds, each flushed
/// to the OS as it is written: <c>{"timestamp":…,"agent":"W2","message":"w2 0000123"}</c>. The timestamp is
/// unique per writer (a fixed day plus the sequence number in milliseconds), so each writer's lines page
/// through /api/logs in a stable order. It keeps its file open the way a long-running service does and honours
/// the control files logrotate's scripts leave in <see cref="ControlDir"/>:
/// <c>&lt;name&gt;.reopen</c> (postrotate after <c>create</c>: reopen the path, as on SIGHUP) and
/// <c>&lt;name&gt;.pause</c> (prerotate before <c>copytruncate</c>: acknowledge with <c>&lt;name&gt;.paused</c>
/// and write nothing until postrotate removes the pause).
/// </summary>
internal sealed class SoakWriter : IDisposable
{
    private static readonly DateTime Day = new(2024, 6, 1, 0, 0, 0, DateTimeKind.Utc);

    private readonly string _pause;
    private readonly string _paused;
    private readonly string _reopen;
    private readonly Thread _thread;
    private volatile bool _stop;
    private int _written;
    private Exception? _failure;
    private readonly List<(string Inode, int FirstSequence)> _files = [];

    public SoakWriter(int id, string path, string controlDir)
    {
        Id = id;
        Path = path;
        ControlDir = controlDir;
        var name = System.IO.Path.GetFileName(path);
        _pause = System.IO.Path.Combine(controlDir, name + ".pause");
        _paused = System.IO.Path.Combine(controlDir, name + ".paused");
        _reopen = System.IO.Path.Combine(controlDir, name + ".reopen");
        _thread = new Thread(Run) { IsBackground = true, Name = $"soak-writer-{id}" };
    }

    public int Id { get; }
    public string Agent => $"W{Id}";
    public string Path { get; }
    public string ControlDir { get; }

    /// <summary>Lines fully written so far: sequence numbers 0 .. Written-1.</summary>
    public int Written => Volatile.Read(ref _written);

    public int Reopens { get; private set; }

    /// <summary>Each file written, in order: its inode (as the server logs it) and the first sequence number written to it.</summary>
    public IReadOnlyList<(string Inode, int FirstSequence)> Files
    {
        get
        {
            lock (_files)
            {
                return [.. _files];
            }
        }
    }

    /// <summary>The file that held <paramref name="sequence"/> and the lines it held, for a report.</summary>
    public string FileOf(int sequence)
    {
        var files = Files;
        var i = files.Count - 1;
        while (i > 0 && files[i].FirstSequence > sequence)
        {
            i--;
        }

        var last = i + 1 < files.Count ? files[i + 1].FirstSequence - 1 : Written - 1;
        return files.Count == 0 ? "?" : $"inode {files[i].Inode} (lines {files[i].FirstSequence}–{last})";
    }

    public int Pauses { get; private set; }

    public void Start() => _thread.Start();

    /// <summary>Stops after the line being written; rethrows what made the writer fail, if anything did.</summary>
    public void Stop()
    {
        _stop = true;
        _thread.Join();
        if (_failure is not null)
        {
            throw new InvalidOperationException($"writer {Agent} failed after {Written} lines", _failure);
        }
    }

    public static string Message(int id, int sequence) => $"w{id} {sequence:D7}";

    /// <summary>The timestamp of a writer's line: the fixed day plus the sequence number in milliseconds.</summary>
    public static DateTime TimestampOf(int sequence) => Day.AddMilliseconds(sequence);

    private void Run()
    {
        try
        {
            var stream = Open();
            try
            {
                while (!_stop)
                {
                    if (File.Exists(_pause))
                    {
                        WaitOutThePause(stream);
                    }

                    if (File.Exists(_reopen))
                    {
                        File.Delete(_reopen);
                        stream.Dispose();
                        stream = Open();
                        Reopens++;
                    }

                    var sequence = _written;
                    stream.Write(Line(sequence));
                    stream.Flush();
                    Volatile.Write(ref _written, sequence + 1);
                    Thread.Sleep(5);
                }
            }
            finally
            {
                stream.Dispose();
            }
        }
        catch (Exception e)
        {
            _failure = e;
        }
    }

    /// <summary>
    /// Opened like O_APPEND would: at the end, and moved to the end again after a truncation (see
    /// <see cref="WaitOutThePause"/>). Not FileMode.Append, which refuses to seek below where it opened.
    /// </summary>
    private FileStream Open()
    {
        var stream = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        stream.Seek(0, SeekOrigin.End);
        lock (_files)
        {
            _files.Add((InodeOf(stream), _written));
        }

        return stream;
    }

    /// <summary>The inode the handle writes to, spelled as the server spells identities (hex), or "?" off Linux x64/arm64.</summary>
    private static string InodeOf(FileStream stream)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64))
        {
            return "?";
        }

        var buffer = new byte[256];
        return FStat((int)stream.SafeFileHandle.DangerousGetHandle(), buffer) == 0 ? $"{BitConverter.ToUInt64(buffer, 8):x}" : "?";
    }

    [DllImport("libc", EntryPoint = "fstat", SetLastError = true)]
    private static extern int FStat(int fd, byte[] buffer);

    /// <summary>copytruncate's own window: nothing is written between the copy and the truncation.</summary>
    private void WaitOutThePause(FileStream stream)
    {
        File.WriteAllBytes(_paused, []);
        Pauses++;
        while (File.Exists(_pause) && !_stop)
        {
            Thread.Sleep(1);
        }

        // A writer with O_APPEND lands at the new end by itself; without it, it would write at its old offset and
        // leave a hole of NUL bytes in front (the classic copytruncate garbage).
        stream.Seek(0, SeekOrigin.End);
    }

    private byte[] Line(int sequence)
    {
        var timestamp = TimestampOf(sequence).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        return Encoding.UTF8.GetBytes(
            $$"""{"timestamp":"{{timestamp}}","level":"INFO","agent":"{{Agent}}","message":"{{Message(Id, sequence)}}"}""" + "\n");
    }

    public void Dispose()
    {
        _stop = true;
        if (_thread.IsAlive)
        {
            _thread.Join();
        }
    }
}

using System.Diagnostics;
using System.Text.RegularExpressions;

namespace LogAggregator.EndToEnd.Tests.RotationSoak;

/// <summary>The three ways operators rotate with logrotate that the soak drives.</summary>
public enum RotationMode
{
    /// <summary>Rename to app.log.1 (out of the *.log glob), create a new app.log; the writer reopens on postrotate.</summary>
    Create,

    /// <summary>Copy to app.log.1 (out of the glob), truncate app.log in place; the writer pauses around the two.</summary>
    CopyTruncate,

    /// <summary>
    /// Rename to app-20240601-1717200000.log, which the *.log glob still matches (`extension .log`), create a new
    /// app.log; the rotated file is gzipped one rotation later (`delaycompress`), out of the glob.
    /// </summary>
    DateExtCompress,

    /// <summary>
    /// The common configuration (Debian's own files): rename to app.log.1 (out of the glob), create a new app.log,
    /// gzip the file rotated one rotation earlier (`compress` + `delaycompress`); the writer reopens on postrotate.
    /// </summary>
    CreateDelayCompress,
}

/// <summary>
/// Debian's real logrotate binary with its own configuration and state file, forced (`-f`) every 200 ms (or every
/// period its creator asks for).
/// Its scripts talk to the <see cref="SoakWriter"/>s through files in <see cref="ControlDir"/> and record each
/// rotation, so the test can show rotations did happen (its positive control).
/// </summary>
internal sealed class Logrotate : IAsyncDisposable
{
    public static readonly TimeSpan DefaultPeriod = TimeSpan.FromMilliseconds(200);

    /// <summary>Numbered rotations kept: 5 s of forced rotations, time enough to finish a file rotated while the server was down.</summary>
    public const int Keep = 25;

    private readonly string _binary;
    private readonly string _config;
    private readonly string _state;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, int> _errors = new(StringComparer.Ordinal);
    private Task? _loop;

    private Logrotate(string binary, string workDir, RotationMode mode, IReadOnlyList<string> logs, TimeSpan period)
    {
        _binary = binary;
        Period = period;
        ControlDir = Path.Combine(workDir, "control");
        Directory.CreateDirectory(ControlDir);
        _config = Path.Combine(workDir, "soak.logrotate.conf");
        _state = Path.Combine(workDir, "logrotate.state");
        File.WriteAllText(_config, Configuration(mode, logs, ControlDir));
    }

    public string ControlDir { get; }
    public TimeSpan Period { get; }
    public int Runs { get; private set; }

    /// <summary>Where logrotate lives on Debian (/usr/sbin, often not on a non-root PATH), or null.</summary>
    public static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Concat(["/usr/sbin", "/sbin", "/usr/local/sbin"])
        .Select(dir => Path.Combine(dir, "logrotate"))
        .FirstOrDefault(File.Exists);

    public static Logrotate Create(string binary, string workDir, RotationMode mode, IReadOnlyList<string> logs, TimeSpan? period = null) =>
        new(binary, workDir, mode, logs, period ?? DefaultPeriod);

    public static string Configuration(RotationMode mode, IReadOnlyList<string> logs, string control)
    {
        string[] common = [$"rotate {Keep}", "missingok", "notifempty"];
        string[] reopen =
        [
            "postrotate",
            $"    echo \"$1\" >> \"{control}/rotations\"",
            $"    touch \"{control}/$(basename \"$1\").reopen\"",
            "endscript",
        ];
        string[] directives = mode switch
        {
            RotationMode.Create => [.. common, "create", .. reopen],
            RotationMode.CopyTruncate =>
            [
                .. common,
                "copytruncate",
                "prerotate",
                $"    c=\"{control}/$(basename \"$1\")\"",
                "    touch \"$c.pause\"",
                "    i=0",
                "    while [ ! -e \"$c.paused\" ]; do",
                "        i=$((i + 1))",
                $"        if [ $i -gt 500 ]; then echo \"$1\" >> \"{control}/unpaused\"; break; fi",
                "        sleep 0.01",
                "    done",
                "endscript",
                "postrotate",
                $"    c=\"{control}/$(basename \"$1\")\"",
                $"    echo \"$1\" >> \"{control}/rotations\"",
                "    rm -f \"$c.paused\" \"$c.pause\"",
                "endscript",
            ],
            RotationMode.DateExtCompress =>
            [
                .. common, "create", "dateext", "dateformat -%Y%m%d-%s", "extension .log", "compress", "delaycompress", .. reopen,
            ],
            RotationMode.CreateDelayCompress => [.. common, "create", "compress", "delaycompress", .. reopen],
            _ => throw new ArgumentOutOfRangeException(nameof(mode)),
        };

        // Every live file named: a glob here would match the rotated files too and rotate them again.
        return string.Join(" ", logs) + " {\n" + string.Concat(directives.Select(d => "    " + d + "\n")) + "}\n";
    }

    /// <summary>Forces a rotation every <see cref="Period"/> until disposed, except while <see cref="HoldAsync"/> holds it.</summary>
    public void Start() => _loop = Task.Run(async () =>
    {
        var next = Stopwatch.StartNew();
        while (!_stop.IsCancellationRequested)
        {
            await _gate.WaitAsync(_stop.Token).ConfigureAwait(false);
            // From the start of this rotation, not the last one: measured from the last, the wait after every other
            // rotation was about zero, so rotations came in pairs a period apart.
            next.Restart();
            try
            {
                await RunOnceAsync();
            }
            finally
            {
                _gate.Release();
            }

            var wait = Period - next.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _stop.Token).ConfigureAwait(false);
            }
        }
    });

    /// <summary>Waits for the rotation under way and holds off the next until the returned handle is disposed.</summary>
    public async Task<IDisposable> HoldAsync()
    {
        await _gate.WaitAsync();
        return new Release(_gate);
    }

    /// <summary>One forced rotation, as the loop runs it; call it while holding the loop.</summary>
    public async Task RunOnceAsync()
    {
        var info = new ProcessStartInfo(_binary, ["-f", "-s", _state, _config])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Runs++;
        foreach (var line in (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // One count per kind of message: the rotated file names differ every time.
            var kind = Regex.Replace(line, @"\d+", "N");
            _errors[kind] = _errors.GetValueOrDefault(kind) + 1;
        }
    }

    /// <summary>Rotations done per live file, as the postrotate scripts recorded them.</summary>
    public Dictionary<string, int> Rotations()
    {
        var file = Path.Combine(ControlDir, "rotations");
        return File.Exists(file)
            ? File.ReadAllLines(file).GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count())
            : [];
    }

    /// <summary>copytruncate rotations whose writer never acknowledged the pause (the copy ran with the writer writing).</summary>
    public int Unpaused()
    {
        var file = Path.Combine(ControlDir, "unpaused");
        return File.Exists(file) ? File.ReadAllLines(file).Length : 0;
    }

    /// <summary>What logrotate printed on stderr, one line per kind with its count.</summary>
    public IEnumerable<string> Errors() => _errors.Select(e => $"{e.Value} × {e.Key}");

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync();
        if (_loop is not null)
        {
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }
        }

    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}

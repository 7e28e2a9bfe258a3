using System.Diagnostics;
using Npgsql;

namespace LogAggregator.Testing;

/// <summary>
/// A throwaway PostgreSQL server for the tests of one process: its own data directory under /tmp, <c>initdb</c> with
/// trust only for 127.0.0.1 and the Unix socket in that directory, <c>pg_ctl start</c> on a free loopback port; stopped
/// and deleted when the process exits. Each caller gets its own database. Runs the binaries as the <c>postgres</c> user
/// when the tests run as root (CI), since initdb refuses root. POSTGRES_OPTIONS (server options, <c>-c name=value ...</c>)
/// overrides the fast, non-durable settings. A machine without PostgreSQL fails the test with a
/// message saying what to install: a test that needs the database never passes without it.
/// </summary>
internal sealed class PostgresCluster
{
    private static readonly Lazy<PostgresCluster> Shared = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    private PostgresCluster(int port)
    {
        Port = port;
    }

    /// <summary>The server of this test process, started on first use.</summary>
    public static PostgresCluster Instance => Shared.Value;

    public int Port { get; }

    /// <summary>A connection string to the <c>postgres</c> maintenance database, as the superuser.</summary>
    public string AdminConnectionString => ConnectionString("postgres");

    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = Port, Username = "postgres", Database = database, Pooling = true, Timeout = 30,
        }.ConnectionString;

    /// <summary>A new, empty database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "test_" + Guid.NewGuid().ToString("N")[..16];
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    /// <summary>Drops the database of this connection string, closing whatever still uses it.</summary>
    public async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The directory of initdb and pg_ctl: POSTGRES_BIN, else Debian's newest /usr/lib/postgresql/N/bin, else PATH.</summary>
    public static string? FindBinaries()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("POSTGRES_BIN") is { Length: > 0 } configured)
        {
            candidates.Add(configured);
        }

        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var version) ? version : 0)
                .Select(d => Path.Combine(d, "bin")));
        }

        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries));
        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")));
    }

    private static PostgresCluster Start()
    {
        var bin = FindBinaries() ?? throw new InvalidOperationException(
            "PostgreSQL is not installed: these tests run a throwaway server with initdb and pg_ctl. Install Debian's "
            + "'postgresql' package (apt-get install postgresql; .ci/run does) or set POSTGRES_BIN to the directory holding initdb.");
        DeleteAbandoned();
        var runAs = Environment.IsPrivilegedProcess ? "postgres" : null;
        var directory = Path.Combine(Path.GetTempPath(), "logagg-pg-" + Guid.NewGuid().ToString("N")[..12]);
        var data = Path.Combine(directory, "data");
        Directory.CreateDirectory(directory);
        try
        {
            if (runAs is not null)
            {
                Run("chown", [runAs, directory], null);
            }

            // C.UTF-8: UTF-8 text with Unicode case folding, so case-insensitive search treats É like e.
            Run(Path.Combine(bin, "initdb"), ["-D", data, "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--auth=trust", "--no-sync"], runAs);
            File.WriteAllText(Path.Combine(data, "pg_hba.conf"), "local all all trust\nhost all all 127.0.0.1/32 trust\n");
            var port = ServerLaunch.FreePort();
            // A throwaway server: durability against power loss is not what the tests are about, speed is.
            var options = $"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
                + "-c full_page_writes=off -c max_connections=300 -c shared_buffers=64MB "
                // Later settings win: the benchmarks ask for durable commits and a server sized like a real one.
                + Environment.GetEnvironmentVariable("POSTGRES_OPTIONS");
            Run(Path.Combine(bin, "pg_ctl"), ["-D", data, "-l", Path.Combine(directory, "server.log"), "-o", options, "-w", "-t", "60", "start"], runAs);
            Watch(bin, directory, runAs);
            return new PostgresCluster(port);
        }
        catch
        {
            TryStop(bin, data, runAs);
            TryDelete(directory);
            throw;
        }
    }

    /// <summary>
    /// Stops the server and deletes its directory once this process has ended, however it ended: the test host is
    /// killed soon after the last test, too soon to delete a data directory itself. A detached shell (its parent exits
    /// at once, so killing this process's tree spares it) polls for this process every second.
    /// </summary>
    private static void Watch(string bin, string directory, string? runAs)
    {
        var pgCtl = Path.Combine(bin, "pg_ctl");
        var stop = $"{(runAs is null ? "" : $"runuser -u {runAs} -- ")}'{pgCtl}' -D '{directory}/data' -m immediate -w stop";
        var script = $"while kill -0 {Environment.ProcessId} 2>/dev/null; do sleep 1; done; {stop}; rm -rf '{directory}'";
        Run("sh", ["-c", $"(setsid sh -c \"{script}\" </dev/null >/dev/null 2>&1 &)"], null);
    }

    /// <summary>Deletes a server's directory; the last of its processes may still be writing there for a moment.</summary>
    private static void TryDelete(string directory)
    {
        for (var attempt = 0; attempt < 10 && Directory.Exists(directory); attempt++)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>
    /// Directories left by earlier test processes whose watcher did not run either (a reboot), whose server is gone;
    /// only old ones, so another test process still running initdb keeps its own.
    /// </summary>
    private static void DeleteAbandoned()
    {
        foreach (var directory in Directory.GetDirectories(Path.GetTempPath(), "logagg-pg-*"))
        {
            var pidFile = Path.Combine(directory, "data", "postmaster.pid");
            var running = File.Exists(pidFile)
                && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid)
                && Directory.Exists($"/proc/{pid}");
            if (!running && Directory.GetLastWriteTimeUtc(directory) < DateTime.UtcNow.AddMinutes(-30))
            {
                TryDelete(directory);
            }
        }
    }

    private static void TryStop(string bin, string data, string? runAs)
    {
        if (File.Exists(Path.Combine(data, "postmaster.pid")))
        {
            try
            {
                Run(Path.Combine(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"], runAs);
            }
            catch (InvalidOperationException)
            {
                // Already gone; the directory is deleted all the same.
            }
        }
    }

    /// <summary>Runs a program to its end (as <paramref name="runAs"/> through runuser when given); throws with its output when it fails.</summary>
    private static void Run(string program, IReadOnlyList<string> arguments, string? runAs)
    {
        var info = new ProcessStartInfo(runAs is null ? program : "runuser")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (runAs is not null)
        {
            foreach (var argument in new[] { "-u", runAs, "--", program })
            {
                info.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(program)} {string.Join(' ', arguments)} exited with {process.ExitCode}: {output.Result}{error.Result}");
        }
    }
}

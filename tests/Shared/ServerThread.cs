namespace LogAggregator.Testing;

/// <summary>One thread of a process as Linux shows it in /proc/PID/task: its name, nice value and CPU time so far.</summary>
internal sealed record ServerThread(int Id, string Name, int Nice, double CpuSeconds)
{
    /// <summary>The threads of process <paramref name="pid"/> (those that end while being read are left out).</summary>
    public static IReadOnlyList<ServerThread> Of(int pid)
    {
        var threads = new List<ServerThread>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                var name = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                var stat = File.ReadAllText(Path.Combine(task, "stat"));

                // Fields after "(comm) ": state is [0], utime [11], stime [12], nice [16].
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                threads.Add(new ServerThread(
                    int.Parse(Path.GetFileName(task), System.Globalization.CultureInfo.InvariantCulture),
                    name,
                    int.Parse(fields[16], System.Globalization.CultureInfo.InvariantCulture),
                    (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / 100.0));
            }
            catch (IOException)
            {
                // The thread ended while we looked.
            }
        }

        return threads;
    }
}

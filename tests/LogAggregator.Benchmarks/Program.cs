using System.Globalization;
using LogAggregator.Benchmarks;

// Not a test: `dotnet run -c Release --project tests/LogAggregator.Benchmarks -- ingest|query|latency|alerts|idle|ui|peer|fuzz`,
// ingest and query also `--provider postgresql` (docs/BENCHMARKS.md).
if (args.Length > 0 && args[0] == "query")
{
    return await QueryCommand.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "latency")
{
    return await LatencyCommand.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "alerts")
{
    return await AlertBenchmark.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "idle")
{
    return await IdleCommand.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "peer")
{
    return await PeerCommand.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "fuzz")
{
    return FuzzCommand.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "ui")
{
    return await UiCommand.RunAsync(args[1..]);
}

if (args.Length == 0 || args[0] != "ingest")
{
    Console.Error.WriteLine("usage: ingest [--lines N] [--files N] [--body-lines N] [--only bare,tail,http,otlp,loki] [--provider postgresql] [--no-doc]");
    Console.Error.WriteLine("       query [--entries N] [--reuse DIR] [--repeats N] [--provider postgresql] [--no-doc]");
    Console.Error.WriteLine("       latency [--tries N] [--no-doc]");
    Console.Error.WriteLine("       alerts [--entries N] [--keys N] [--rounds N] [--no-doc]");
    Console.Error.WriteLine("       idle [--files N] [--seconds N] [--no-doc]");
    Console.Error.WriteLine("       ui [--entries N] [--reuse DIR] [--repeats N] [--no-doc]");
    Console.Error.WriteLine("       peer [--lines N] [--data FILE] [--repeats N] [--tail] [--no-doc] [--keep]");
    Console.Error.WriteLine("       fuzz [--seconds N per target] [--no-doc]");
    return 2;
}

var options = IngestOptions.Parse(args[1..]);
var root = Path.Combine(Path.GetTempPath(), "logagg-bench-" + Guid.NewGuid().ToString("N")[..12]);
var tailRoot = Path.Combine(root, "tail");

Console.WriteLine($"generating {options.Lines:N0} lines in {options.Files} file(s) and parsing them (untimed) ...");
var parseClock = System.Diagnostics.Stopwatch.StartNew();
var workload = Workload.Generate(options.Lines, options.Files, Path.Combine(tailRoot, "logs"));
Console.WriteLine($"{workload.Lines:N0} lines, {workload.Entries:N0} entries, {workload.Bytes / 1e6:0.0} MB; generated and parsed in {parseClock.Elapsed.TotalSeconds:0.00} s");
var parseOnly = System.Diagnostics.Stopwatch.StartNew();
var reparsed = workload.Reparse();
// The parser alone, on one core, as a tailer runs it: a stage cost to compare with the server's rate.
Console.WriteLine($"parser alone: {workload.Lines / parseOnly.Elapsed.TotalSeconds:N0} lines/s ({reparsed:N0} entries)");

var results = new List<Measurement>();
try
{
    if (options.Runs("bare"))
    {
        var rows = workload.AllEntries.ToList();
        var elapsed = BareLoad.Run(rows, Path.Combine(root, "bare"));
        results.Add(new Measurement("bare DuckDB Appender", workload.Lines, rows.Count, elapsed, Note: "1 appender, 1 transaction"));
        Console.WriteLine(Report.Line(results[^1]));
    }

    if (options.Runs("tail"))
    {
        await using var server = new BenchServer(tailRoot);
        results.Add(await FileTailBenchmark.RunAsync(workload, server));
        Console.WriteLine(Report.Line(results[^1]));
    }

    if (options.Runs("http"))
    {
        await using var server = new BenchServer(Path.Combine(root, "http"));
        results.Add(await HttpIngestBenchmark.RunAsync(workload, server, options.BodyLines));
        Console.WriteLine(Report.Line(results[^1]));
    }

    foreach (var (name, wire) in new[] { ("otlp", HttpIngestBenchmark.Wire.Otlp), ("loki", HttpIngestBenchmark.Wire.Loki) })
    {
        if (options.Runs(name))
        {
            await using var server = new BenchServer(Path.Combine(root, name));
            results.Add(await HttpIngestBenchmark.RunAsync(workload, server, options.BodyLines, wire));
            Console.WriteLine(Report.Line(results[^1]));
        }
    }

    if (options.Provider == PostgresBench.Provider)
    {
        await PostgresIngest.RunAsync(workload, options, root, results);
    }
}
finally
{
    try
    {
        Directory.Delete(root, recursive: true);
    }
    catch (IOException)
    {
    }
}

var table = Report.Markdown(results, workload);
Console.WriteLine();
Console.WriteLine(table);
if (options.WriteDoc)
{
    Report.AppendToDoc(table, options.Provider is null ? "## Results" : Report.PostgresHeading);
}

return 0;

/// <param name="Provider">postgresql: the same runs again on PostgreSQL after the embedded ones (PostgresIngest).</param>
internal sealed record IngestOptions(int Lines, int Files, int BodyLines, string[] Only, bool WriteDoc, string? Provider = null)
{
    public bool Runs(string name) => Only.Length == 0 || Only.Contains(name);

    public static IngestOptions Parse(string[] args)
    {
        var options = new IngestOptions(1_000_000, 4, 10_000, [], true);
        for (var i = 0; i < args.Length; i++)
        {
            options = args[i] switch
            {
                "--lines" => options with { Lines = Int(args[++i]) },
                "--files" => options with { Files = Int(args[++i]) },
                "--body-lines" => options with { BodyLines = Int(args[++i]) },
                "--only" => options with { Only = args[++i].Split(',') },
                "--no-doc" => options with { WriteDoc = false },
                "--provider" => options with { Provider = ParseProvider(args[++i]) },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }

        return options;
    }

    internal static string? ParseProvider(string name) => name switch
    {
        "embedded" => null,
        PostgresBench.Provider => name,
        _ => throw new ArgumentException($"unknown provider {name}: embedded or {PostgresBench.Provider}"),
    };

    private static int Int(string text) => int.Parse(text.Replace("_", ""), CultureInfo.InvariantCulture);
}

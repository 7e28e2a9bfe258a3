using System.Globalization;
using System.Text;
using CsCheck;
using LogAggregator.Testing.Fuzzing;

namespace LogAggregator.Benchmarks;

/// <summary>
/// `fuzz`: the decoder fuzz targets CI samples briefly (tests/LogAggregator.Actors.Tests/Fuzzing), each for a fixed
/// time budget on every core; prints per target the inputs tried, the share accepted and any finding with the seed that
/// reproduces it (CsCheck_Seed), and records the run in docs/BENCHMARKS.md.
/// </summary>
public static class FuzzCommand
{
    public static int Run(string[] args)
    {
        var seconds = 60;
        var writeDoc = true;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seconds": seconds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--no-doc": writeDoc = false; break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }

        var table = new StringBuilder();
        table.AppendLine(Invariant($"### {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC — fuzz, {seconds} s per target"));
        table.AppendLine();
        table.AppendLine(Report.MachineLine());
        table.AppendLine();
        table.AppendLine("| target | inputs | accepted | finding |");
        table.AppendLine("|---|---:|---:|---|");
        var findings = 0;
        foreach (var target in FuzzTargets.All)
        {
            long tried = 0, accepted = 0;
            string finding = "none";
            try
            {
                target.Inputs.Sample(input =>
                {
                    Interlocked.Increment(ref tried);
                    if (target.Accepts(input))
                    {
                        Interlocked.Increment(ref accepted);
                    }
                }, time: seconds);
            }
            catch (CsCheckException e)
            {
                findings++;
                finding = e.Message.Split('\n')[0] + " — " + (e.InnerException?.GetType().Name + ": " + e.InnerException?.Message).Replace('|', '/');
            }

            var line = Invariant($"| {target.Name} | {tried:N0} | {100.0 * accepted / Math.Max(1, tried):0}% | {finding} |");
            Console.WriteLine(line);
            table.AppendLine(line);
        }

        Console.WriteLine();
        Console.WriteLine(table);
        if (writeDoc)
        {
            Report.AppendToDoc(table.ToString(), "## Fuzzing results");
        }

        return findings == 0 ? 0 : 1;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

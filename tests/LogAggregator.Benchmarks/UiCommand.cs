using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace LogAggregator.Benchmarks;

/// <summary>
/// `ui [--entries N] [--reuse DIR] [--repeats N] [--no-doc]`: how long the web UI takes, in the browser, to show the
/// query benchmark's store (see docs/BENCHMARKS.md, Web UI). Issue 9's target: first view and a regex search page
/// each complete in under 1 s with 10 M entries stored.
/// </summary>
public static class UiCommand
{
    private const double TargetMs = 1000;

    /// <summary>What each page load waits for, as CSS selectors that all match once the view is on screen.</summary>
    private static readonly (string Name, string Path, string WaitsFor, string[] Selectors)[] Pages =
    [
        ("first view", "/", "histogram drawn and first page of rows", ["#histogram canvas", "#results > li.row"]),
        ("regex search", "/?q=" + Uri.EscapeDataString(QueryBenchmark.SelectiveRegex), "first page of matching rows", ["#results > li.row"]),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        var options = QueryServerOptions.Parse(args, defaultRepeats: 5);
        var (entries, repeats, writeDoc) = (options.Entries, options.Repeats, options.WriteDoc);
        var (store, server) = await QueryServer.StartAsync(options, "uiserver");
        await using var _ = server;

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            // As tests/LogAggregator.Browser.Tests launches it: Debian's chromium, headless.
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });

        var rows = new List<string>();
        foreach (var (name, path, waitsFor, selectors) in Pages)
        {
            // The first load is timed apart: the server's caches are cold then.
            var first = await LoadAsync(browser, server.Client.BaseAddress!, path, selectors);
            var loads = new List<Load>(repeats);
            for (var i = 0; i < repeats; i++)
            {
                loads.Add(await LoadAsync(browser, server.Client.BaseAddress!, path, selectors));
            }

            var p50 = Report.Median(loads.Select(l => l.CompleteMs));
            var max = loads.Max(l => l.CompleteMs);
            Console.WriteLine(Invariant($"{name}: first {first.CompleteMs:0} ms, p50 {p50:0} ms, max {max:0} ms ({string.Join(", ", loads.Select(l => l.CompleteMs.ToString("0", CultureInfo.InvariantCulture)))})"));
            rows.Add(Invariant(
                $"| {name} | `{Uri.UnescapeDataString(path)}` | {waitsFor} | {first.CompleteMs:0} | {p50:0} | {max:0} | < {TargetMs:0} ms | {(max < TargetMs ? "met" : p50 < TargetMs ? "p50 met, max missed" : "missed")} | {Report.Median(loads.Select(l => l.DomContentLoadedMs)):0} | {Report.Median(loads.Select(l => l.HistogramMs)):0} | {Report.Median(loads.Select(l => l.RowsMs)):0} |"));
        }

        var text = new StringBuilder();
        text.AppendLine(Invariant($"### {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC — web UI, {entries:N0} entries, {QueryStore.Days} day files"));
        text.AppendLine();
        text.AppendLine(Invariant($"{Report.MachineLine()}; headless chromium {browser.Version}, 1280×800; {repeats} timed fresh loads per page after a first (cold) one timed apart"));
        text.AppendLine();
        text.AppendLine("| page | URL | complete when | first load ms | p50 ms | max ms | target | met? | DOMContentLoaded p50 ms | histogram request p50 ms | rows request p50 ms |");
        text.AppendLine("|---|---|---|---:|---:|---:|---|---|---:|---:|---:|");
        foreach (var row in rows)
        {
            text.AppendLine(row);
        }

        var table = text.ToString();
        Console.WriteLine();
        Console.WriteLine(table);
        if (writeDoc)
        {
            Report.AppendToDoc(table, "## Web UI");
        }

        return 0;
    }

    /// <summary>One page load's times in ms since navigation start (the page's performance.now()).</summary>
    private sealed record Load(double CompleteMs, double DomContentLoadedMs, double HistogramMs, double RowsMs);

    /// <summary>
    /// A fresh browser context (empty cache) loads <paramref name="path"/>. A script run before the page's own notes,
    /// on each DOM change, when every selector matches; the view is complete at the next animation frame, the one that
    /// paints it.
    /// </summary>
    private static async Task<Load> LoadAsync(IBrowser browser, Uri baseAddress, string path, string[] selectors)
    {
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
        });
        await context.AddInitScriptAsync($$"""
            (() => {
              const selectors = {{JsonSerializer.Serialize(selectors)}};
              const mark = window.__uibench = {};
              const observer = new MutationObserver(() => {
                if (mark.shown !== undefined || !selectors.every((s) => document.querySelector(s))) return;
                mark.shown = performance.now();
                observer.disconnect();
                requestAnimationFrame(() => { mark.complete = performance.now(); });
              });
              observer.observe(document, { childList: true, subtree: true });
            })();
            """);
        var page = await context.NewPageAsync();
        await page.GotoAsync(path);
        await page.WaitForFunctionAsync("() => window.__uibench.complete !== undefined", null, new PageWaitForFunctionOptions { Timeout = 120_000 });
        var times = await page.EvaluateAsync<double[]>("""
            () => {
              const request = (test) => {
                const r = performance.getEntriesByType('resource').find((e) => test(new URL(e.name).pathname));
                return r ? r.responseEnd - r.startTime : -1;
              };
              return [
                window.__uibench.complete,
                performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
                request((p) => p === '/api/logs/histogram'),
                request((p) => p === '/api/logs' || p === '/api/logs/search'),
              ];
            }
            """);
        return new Load(times[0], times[1], times[2], times[3]);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LogAggregator.Browser.Tests;

/// <summary>A server of its own holding a small, realistic fleet's logs, for the screenshots in the README.</summary>
public sealed class DemoServer : IAsyncLifetime
{
    public UiServer Server { get; } = new();

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        await Server.PostAsync(DemoData.Entries(DateTime.UtcNow));
    }

    public Task DisposeAsync() => Server.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ScreensCollection : ICollectionFixture<DemoServer>
{
    public const string Name = "screens";
}

/// <summary>
/// The views an operator sees, scanned with axe-core (no serious or critical violations) in both themes and at
/// phone width, and saved under docs/screenshots/.
/// </summary>
[Collection(ScreensCollection.Name)]
public sealed class ScreensTests(DemoServer demo)
{
    private UiServer Server => demo.Server;

    [Fact]
    public async Task The_main_view_a_search_and_an_expanded_row_pass_the_accessibility_scan()
    {
        await using var ui = await Server.OpenAsync("/");
        await Expect(ui.Rows).ToHaveCountAsync(100);
        await Expect(ui.Page.Locator("#histogram canvas")).ToHaveCountAsync(1);
        await Expect(ui.Page.Locator("#total-agents")).ToHaveTextAsync("3");
        await Expect(ui.Page.Locator("#health-text")).ToHaveTextAsync("Healthy");
        await ui.ScreenshotAsync("main.png");
        await AssertAccessibleAsync(ui.Page);

        await ui.Page.Locator("#q").FillAsync("timeout|refused");
        await ui.Page.Keyboard.PressAsync("Enter");
        await Expect(ui.Page.Locator("#results mark").First).ToBeVisibleAsync();
        await ui.ScreenshotAsync("search.png");
        await AssertAccessibleAsync(ui.Page);

        await ui.Rows.Nth(2).Locator(".row-head").ClickAsync();
        await Expect(ui.Page.Locator(".row.open .ctx.target")).ToHaveCountAsync(1);
        await ui.Page.Locator(".row.open").ScrollIntoViewIfNeededAsync();
        await ui.ScreenshotAsync("expanded-row.png");
        await AssertAccessibleAsync(ui.Page);
        ui.AssertNoErrors();
    }

    [Fact]
    public async Task The_light_theme_passes_the_accessibility_scan()
    {
        await using var ui = await Server.OpenAsync("/?level=WARNING", scheme: ColorScheme.Light);
        await Expect(ui.Rows.First).ToBeVisibleAsync();
        await ui.Rows.First.Locator(".row-head").ClickAsync();
        await Expect(ui.Page.Locator(".row.open .ctx.target")).ToHaveCountAsync(1);
        await AssertAccessibleAsync(ui.Page);
        await ui.ScreenshotAsync("light.png");
        ui.AssertNoErrors();
    }

    [Fact]
    public async Task The_alerts_and_patterns_views_pass_the_accessibility_scan()
    {
        await using var ui = await Server.OpenAsync("/?view=patterns");
        await Expect(ui.Page.Locator("#patterns tbody tr").First).ToBeVisibleAsync();
        await AssertAccessibleAsync(ui.Page);

        await ui.Page.GetByRole(AriaRole.Link, new() { Name = "Alerts" }).ClickAsync();
        var alert = ui.Page.Locator("#alerts tbody tr", new() { HasText = "ATLAS" }).First;
        await Expect(alert).ToBeVisibleAsync();
        await alert.Locator("td").Nth(1).GetByRole(AriaRole.Button).ClickAsync();
        await Expect(ui.Page.Locator("#alert-detail .samples li").First).ToBeVisibleAsync();
        await ui.ScreenshotAsync("alerts.png");
        await AssertAccessibleAsync(ui.Page);
        ui.AssertNoErrors();
    }

    [Fact]
    public async Task The_phone_layout_fits_390_pixels_without_sideways_scrolling()
    {
        await using var ui = await Server.OpenAsync("/", width: 390, height: 844);
        await Expect(ui.Rows.First).ToBeVisibleAsync();
        await Expect(ui.Page.Locator("#histogram canvas")).ToHaveCountAsync(1);
        Assert.True(await ui.Page.EvaluateAsync<int>("document.documentElement.scrollWidth") <= 390, "the page scrolls sideways");
        var message = await ui.Rows.First.Locator(".msg").BoundingBoxAsync();
        Assert.True(message!.X + message.Width <= 390, "a row's message runs off the screen");
        await ui.ScreenshotAsync("phone.png");
        await AssertAccessibleAsync(ui.Page);
        ui.AssertNoErrors();
    }

    [Fact]
    public async Task The_accessibility_scan_reports_a_serious_violation_when_there_is_one()
    {
        // Positive control for the scans above: a button without a name is caught.
        await using var ui = await Server.OpenAsync("/");
        await Expect(ui.Rows.First).ToBeVisibleAsync();
        await ui.Page.EvaluateAsync("document.querySelector('.toolbar').append(document.createElement('button'))");
        var violations = await SeriousViolationsAsync(ui.Page);
        Assert.Contains(violations, v => v.StartsWith("button-name"));
    }

    internal static async Task AssertAccessibleAsync(IPage page)
    {
        var violations = await SeriousViolationsAsync(page);
        Assert.True(violations.Count == 0, "axe found:\n" + string.Join("\n", violations));
    }

    private static async Task<List<string>> SeriousViolationsAsync(IPage page)
    {
        var result = await page.RunAxe();
        return result.Violations
            .Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(" | ", v.Nodes.Take(3).Select(n => n.Html))}")
            .ToList();
    }
}

/// <summary>A day of a small fleet: requests, retries, time-outs, a rate limit and one out-of-memory crash.</summary>
internal static class DemoData
{
    /// <summary>Oldest first, so the arrival order a context shows is the order of time, as for a tailed file.</summary>
    public static object[] Entries(DateTime now)
    {
        var random = new Random(42);
        var entries = new List<Dictionary<string, object?>>();
        for (var i = 0; i < 600; i++)
        {
            var at = now.AddSeconds(-random.Next(1, 24 * 3600));
            var ms = random.Next(3, 2400);
            entries.Add((i % 3, random.Next(100)) switch
            {
                (0, < 70) => Entry("CERBERUS", "INFO", $"GET /api/v1/orders/{random.Next(1000, 9999)} 200 in {ms} ms", at, "/var/log/cerberus.log",
                    new { method = "GET", status = 200, duration_ms = ms }),
                (0, < 90) => Entry("CERBERUS", "WARNING", $"retrying connection to 10.0.3.{random.Next(2, 250)}:5432 (attempt {random.Next(1, 5)})", at, "/var/log/cerberus.log"),
                (0, _) => Entry("CERBERUS", "ERROR", $"upstream timeout after {ms} ms calling payments", at, "/var/log/cerberus.log",
                    new { upstream = "payments", timeout_ms = ms, trace_id = Guid.NewGuid().ToString("N") }),
                (1, < 75) => Entry("HERMES", "INFO", $"delivered notification {Guid.NewGuid()} to telegram", at, "api"),
                (1, < 92) => Entry("HERMES", "WARNING", "rate limit reached for channel alerts, backing off 30 s", at, "api"),
                (1, _) => Entry("HERMES", "ERROR", $"connection refused by smtp relay 10.0.9.{random.Next(2, 250)}", at, "api"),
                (_, < 40) => Entry("ATLAS", "DEBUG", $"compacted segment {random.Next(100, 999)} ({random.Next(1, 90)} MiB)", at, "/var/log/atlas.log"),
                (_, < 90) => Entry("ATLAS", "INFO", $"indexed batch {random.Next(10000, 99999)} in {ms} ms", at, "/var/log/atlas.log"),
                (_, _) => Entry("ATLAS", "WARNING", $"disk usage at {random.Next(80, 95)}% on /var/lib/atlas", at, "/var/log/atlas.log"),
            });
        }

        entries.Add(Entry("ATLAS", "CRITICAL", "out of memory: heap allocation of 512 MiB failed in the indexer", now.AddMinutes(-3), "/var/log/atlas.log",
            new { heap_mb = 4096, pid = 31337 }));
        return entries.OrderBy(e => (string)e["timestamp"]!, StringComparer.Ordinal).Cast<object>().ToArray();
    }
}

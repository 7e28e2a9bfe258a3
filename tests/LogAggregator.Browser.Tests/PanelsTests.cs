using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LogAggregator.Browser.Tests;

/// <summary>Patterns, alerts and silences, and export.</summary>
[Collection(UiCollection.Name)]
public sealed class PanelsTests(UiServer server)
{
    [Fact]
    public async Task Each_error_pattern_links_to_the_search_that_finds_it()
    {
        var agent = UniqueAgent("PATTERN");
        await server.PostAsync(
            Entry(agent, "ERROR", "ledger sync failed after 12 retries"),
            Entry(agent, "ERROR", "ledger sync failed after 7 retries"),
            Entry(agent, "ERROR", "ledger sync failed after 301 retries"));
        await using var ui = await server.OpenAsync("/?view=patterns");

        var row = ui.Page.Locator("#patterns tbody tr", new() { HasText = "ledger sync failed after <num> retries" });
        await Expect(row.Locator("td").Nth(1)).ToHaveTextAsync("3");
        await Expect(row.Locator("td").Nth(2)).ToHaveTextAsync(agent);
        await row.GetByRole(AriaRole.Link).ClickAsync();

        await Expect(ui.Page.Locator("#view-logs")).ToBeVisibleAsync();
        await Expect(ui.Rows).ToHaveCountAsync(3);
        await Expect(ui.Page.Locator("#results mark")).ToHaveCountAsync(3);
        Assert.Contains("q=", ui.Page.Url);
        ui.AssertNoErrors();
    }

    [Fact]
    public async Task The_alerts_panel_opens_an_alert_and_creates_and_ends_a_silence()
    {
        var agent = UniqueAgent("ALERTED");
        await server.PostAsync(Entry(agent, "CRITICAL", "vault sealed unexpectedly"));
        await WaitForAsync(async () => (await server.Api.GetStringAsync($"/api/alerts?agent={agent}")).Contains(agent));
        await using var ui = await server.OpenAsync("/?view=alerts");

        var alert = ui.Page.Locator("#alerts tbody tr", new() { HasText = agent });
        await Expect(alert).ToHaveCountAsync(1);
        await alert.Locator("td").Nth(1).GetByRole(AriaRole.Button).ClickAsync();
        var panel = ui.Page.Locator("#alert-detail");
        await Expect(panel.Locator(".samples")).ToContainTextAsync("vault sealed unexpectedly");

        await panel.GetByLabel("every alert of agent").CheckAsync();
        await panel.GetByLabel("For").SelectOptionAsync("1h");
        await panel.GetByLabel("Comment").FillAsync("maintenance window");
        await panel.GetByRole(AriaRole.Button, new() { Name = "Create silence" }).ClickAsync();
        await Expect(panel.Locator(".silence-form .note")).ToContainTextAsync("Silenced until");

        var silence = ui.Page.Locator("#silences tbody tr", new() { HasText = $"agent {agent}" });
        await Expect(silence).ToHaveCountAsync(1);
        await Expect(silence).ToContainTextAsync("maintenance window");
        Assert.Contains(agent, await server.Api.GetStringAsync("/api/alerts/silences"));

        await silence.GetByRole(AriaRole.Button, new() { Name = "End" }).ClickAsync();
        await Expect(silence).ToHaveCountAsync(0);
        Assert.DoesNotContain(agent, await server.Api.GetStringAsync("/api/alerts/silences"));

        // Esc closes the opened alert.
        await ui.Page.Keyboard.PressAsync("Escape");
        await Expect(panel).ToBeHiddenAsync();

        // The alert's own link (agent, pattern, time range) opens the entries behind it.
        await alert.Locator("td").Nth(1).GetByRole(AriaRole.Button).ClickAsync();
        await panel.GetByRole(AriaRole.Link, new() { Name = "Show the entries of this alert" }).ClickAsync();
        await Expect(ui.Rows).ToHaveCountAsync(1);
        await Expect(ui.Rows.First).ToContainTextAsync("vault sealed unexpectedly");
        Assert.Contains($"agent={agent}", ui.Page.Url);
        ui.AssertNoErrors();
    }

    [SkippableFact]
    public async Task Export_links_download_the_filtered_query_as_ndjson_and_csv()
    {
        var probe = await server.Api.GetAsync("/api/logs/export?format=ndjson&limit=1");
        Skip.If(probe.StatusCode == HttpStatusCode.NotFound, "GET /api/logs/export is not in this build (it comes with the server-side UI work)");

        var agent = UniqueAgent("EXPORT");
        await server.PostAsync(
            Entry(agent, "INFO", "export info"),
            Entry(agent, "ERROR", "export error one"),
            Entry(agent, "ERROR", "export error, \"two\""),
            Entry(UniqueAgent("EXPORT_OTHER"), "ERROR", "export error elsewhere"));
        await using var ui = await server.OpenAsync($"/?agent={agent}&level=ERROR");
        await Expect(ui.Rows).ToHaveCountAsync(2);

        var ndjson = await DownloadAsync(ui, "Export NDJSON");
        var lines = ndjson.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, lines.Count);
        Assert.All(lines, l => Assert.Equal(agent, l.GetProperty("agent").GetString()));
        Assert.All(lines, l => Assert.Equal("ERROR", l.GetProperty("level").GetString()));

        var csv = await DownloadAsync(ui, "Export CSV");
        var rows = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, rows.Length);
        Assert.Contains("message", rows[0]);
        Assert.Contains(rows, r => r.Contains("\"export error, \"\"two\"\"\""));
        Assert.DoesNotContain(rows, r => r.Contains("export info") || r.Contains("elsewhere"));
        ui.AssertNoErrors();
    }

    private static async Task<string> DownloadAsync(UiPage ui, string link)
    {
        var download = await ui.Page.RunAndWaitForDownloadAsync(() => ui.Page.GetByRole(AriaRole.Link, new() { Name = link }).ClickAsync());
        var path = await download.PathAsync();
        return await File.ReadAllTextAsync(path!);
    }
}

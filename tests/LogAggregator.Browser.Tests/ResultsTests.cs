using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LogAggregator.Browser.Tests;

/// <summary>The histogram, the rows and their detail, and live mode.</summary>
[Collection(UiCollection.Name)]
public sealed class ResultsTests(UiServer server)
{
    [Fact]
    public async Task Dragging_across_the_histogram_zooms_the_time_range()
    {
        var agent = UniqueAgent("ZOOM");
        var now = DateTime.UtcNow;
        await server.PostAsync(
            Entry(agent, "INFO", "zoom-fifty-minutes-ago", now.AddMinutes(-50)),
            Entry(agent, "ERROR", "zoom-five-minutes-ago", now.AddMinutes(-5)));
        await using var ui = await server.OpenAsync($"/?agent={agent}&range=1h");
        await Expect(ui.Rows).ToHaveCountAsync(2);
        await Expect(ui.Page.Locator("#total-errors")).Not.ToHaveTextAsync("–");

        // A level in the legend hides and shows its bars, by mouse or keyboard.
        var error = ui.Page.Locator("#histogram .u-legend th", new() { HasText = "ERROR" });
        await Expect(error).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(ui.Page.Locator("#histogram .u-legend tr.u-series", new() { HasText = "ERROR" })).ToContainTextAsync("1");
        await error.ClickAsync();
        await Expect(error).ToHaveAttributeAsync("aria-pressed", "false");
        await Expect(ui.Page.Locator("#histogram .u-legend tr.u-series.u-off")).ToHaveCountAsync(1);
        await error.FocusAsync();
        await ui.Page.Keyboard.PressAsync("Enter");
        await Expect(error).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(ui.Page.Locator("#histogram .u-legend tr.u-series.u-off")).ToHaveCountAsync(0);

        // The hour spans the plot's width: the right quarter holds the last 15 minutes.
        var over = ui.Page.Locator("#histogram .u-over");
        var box = (await over.BoundingBoxAsync())!;
        var y = box.Y + box.Height / 2;
        await ui.Page.Mouse.MoveAsync(box.X + box.Width * 0.75f, y);
        await ui.Page.Mouse.DownAsync();
        await ui.Page.Mouse.MoveAsync(box.X + box.Width - 1, y, new() { Steps = 8 });
        await ui.Page.Mouse.UpAsync();

        await Expect(ui.Rows).ToHaveCountAsync(1);
        await Expect(ui.Rows.First).ToContainTextAsync("zoom-five-minutes-ago");
        var url = new Uri(ui.Page.Url);
        var query = System.Web.HttpUtility.ParseQueryString(url.Query);
        var from = DateTime.Parse(query["from"]!, null, System.Globalization.DateTimeStyles.RoundtripKind);
        var to = DateTime.Parse(query["to"]!, null, System.Globalization.DateTimeStyles.RoundtripKind);
        Assert.InRange(from, now.AddMinutes(-20), now.AddMinutes(-10));
        Assert.InRange(to, now.AddMinutes(-3), now.AddMinutes(3));

        // Back returns to the hour before the zoom.
        await ui.Page.GoBackAsync();
        await Expect(ui.Rows).ToHaveCountAsync(2);
        ui.AssertNoErrors();
    }

    [Fact]
    public async Task A_row_expands_to_metadata_source_and_context_with_the_target_marked()
    {
        var agent = UniqueAgent("CTX");
        var start = DateTime.UtcNow.AddMinutes(-10);
        var entries = Enumerable.Range(0, 7)
            .Select(i => Entry(agent, i == 3 ? "ERROR" : "INFO", $"ctx line {i}", start.AddSeconds(i), "/var/log/ctx.log",
                i == 3 ? new { request_id = "abc-123", nested = new { tries = new[] { 1, 2 } } } : null))
            .ToArray();
        await server.PostAsync(entries);
        await using var ui = await server.OpenAsync($"/?agent={agent}");
        await Expect(ui.Rows).ToHaveCountAsync(7);

        await ui.Row("ctx line 3").Locator(".row-head").ClickAsync();
        var detail = ui.Row("ctx line 3").Locator(".detail");
        await Expect(ui.Row("ctx line 3").Locator(".row-head")).ToHaveAttributeAsync("aria-expanded", "true");
        await Expect(detail.Locator("pre.json")).ToContainTextAsync("\"request_id\": \"abc-123\"");
        await Expect(detail.Locator("pre.json")).ToContainTextAsync("\"nested\": {");
        await Expect(detail.Locator("dl.fields")).ToContainTextAsync("/var/log/ctx.log");

        // Context: newest first, three after and three before, the target marked.
        var context = detail.Locator(".context-lines > li.ctx");
        await Expect(context).ToHaveCountAsync(7);
        await Expect(context.Locator(".msg")).ToHaveTextAsync(["ctx line 6", "ctx line 5", "ctx line 4", "ctx line 3", "ctx line 2", "ctx line 1", "ctx line 0"]);
        await Expect(detail.Locator(".ctx.target")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("ctx line 3$"));
        await Expect(detail.Locator(".ctx.target")).ToHaveAttributeAsync("aria-current", "true");
        Assert.Contains("entry=", ui.Page.Url);

        // Turning live mode on and off keeps the list and the open row as they are (the same elements, not reloaded).
        await ui.Page.Locator(".row.open").EvaluateAsync("row => row.dataset.kept = 'yes'");
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Live" }).ClickAsync();
        await Expect(ui.Page.Locator("#live-toggle.connected")).ToHaveCountAsync(1);
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Live" }).ClickAsync();
        await Expect(ui.Page.Locator("#live-toggle")).ToHaveAttributeAsync("aria-pressed", "false");
        await Expect(ui.Page.Locator("#results-status")).ToHaveTextAsync("Showing 1–7 of 7");
        await Expect(ui.Page.Locator(".row.open[data-kept='yes'] .ctx.target")).ToHaveCountAsync(1);

        // Copy link puts the entry's link on the clipboard; the link opens the entry expanded.
        var permalink = await detail.Locator("a.permalink").GetAttributeAsync("href");
        await detail.GetByRole(AriaRole.Button, new() { Name = "Copy link" }).ClickAsync();
        await Expect(detail.GetByRole(AriaRole.Button, new() { Name = "Link copied" })).ToBeVisibleAsync();
        Assert.Equal(permalink, await ui.Page.EvaluateAsync<string>("navigator.clipboard.readText()"));

        // Esc closes the detail.
        await ui.Page.Keyboard.PressAsync("Escape");
        await Expect(ui.Page.Locator(".detail")).ToHaveCountAsync(0);
        Assert.DoesNotContain("entry=", ui.Page.Url);

        await using var linked = await server.OpenAsync(permalink!);
        await Expect(linked.Page.Locator(".row.open .ctx.target")).ToContainTextAsync("ctx line 3");
        ui.AssertNoErrors();
        linked.AssertNoErrors();
    }

    [Fact]
    public async Task Live_mode_shows_a_posted_entry_without_moving_the_reader_and_counts_while_paused()
    {
        var agent = UniqueAgent("LIVE");
        var start = DateTime.UtcNow.AddMinutes(-20);
        await server.PostAsync(Enumerable.Range(0, 150).Select(i => (object)Entry(agent, "INFO", $"live backlog {i:D3}", start.AddSeconds(i))).ToArray());
        await using var ui = await server.OpenAsync($"/?agent={agent}&live=1");
        await Expect(ui.Rows.First).ToContainTextAsync("live backlog 149");
        await Expect(ui.Page.Locator("#live-toggle.connected")).ToHaveCountAsync(1);

        // The reader scrolls down to some row; note where that row is on screen.
        await ui.Page.Locator("#scroller").EvaluateAsync("el => el.scrollTop = 700");
        var anchor = await ui.Page.EvaluateAsync<JsonElement>(FirstVisibleRow);
        var anchorId = anchor.GetProperty("id").GetString()!;

        await server.PostAsync(Entry(agent, "WARNING", "live arrival one"));
        await Expect(ui.Row("live arrival one")).ToHaveCountAsync(1);
        await Expect(ui.Rows.First).ToContainTextAsync("live arrival one");
        var after = await ui.Page.EvaluateAsync<double>(
            "id => document.querySelector(`#results > li[data-id=\"${id}\"]`).getBoundingClientRect().top", anchorId);
        Assert.InRange(after, anchor.GetProperty("top").GetDouble() - 1, anchor.GetProperty("top").GetDouble() + 1);

        // Paused: entries are held and counted, and shown on resume.
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        await server.PostAsync(Entry(agent, "ERROR", "live arrival two"));
        await Expect(ui.Page.Locator("#live-pending")).ToHaveTextAsync("1 new while paused");
        await Expect(ui.Row("live arrival two")).ToHaveCountAsync(0);
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();
        await Expect(ui.Row("live arrival two")).ToHaveCountAsync(1);
        await Expect(ui.Page.Locator("#live-pending")).ToHaveTextAsync("");
        ui.AssertNoErrors();
    }

    [Fact]
    public async Task Scrolling_loads_older_pages_until_every_match_is_shown()
    {
        var agent = UniqueAgent("PAGES");
        var start = DateTime.UtcNow.AddHours(-2);
        await server.PostAsync(Enumerable.Range(0, 250).Select(i => (object)Entry(agent, "INFO", $"page entry {i:D3}", start.AddSeconds(i))).ToArray());
        await using var ui = await server.OpenAsync($"/?agent={agent}");
        await Expect(ui.Rows).ToHaveCountAsync(100);
        await Expect(ui.Page.Locator("#results-status")).ToHaveTextAsync("Showing 1–100 of 250");

        // The reader keeps scrolling to the bottom (each poll scrolls again) until every row is there.
        await ui.Page.WaitForFunctionAsync(
            "() => { const s = document.querySelector('#scroller'); s.scrollTop = s.scrollHeight; return document.querySelectorAll('#results > li.row').length >= 250; }",
            null, new() { PollingInterval = 100, Timeout = 20_000 });
        await Expect(ui.Rows).ToHaveCountAsync(250);
        await Expect(ui.Rows.Last).ToContainTextAsync("page entry 000");
        await Expect(ui.Page.Locator("#results-status")).ToHaveTextAsync("Showing 1–250 of 250");
        ui.AssertNoErrors();
    }

    [Fact]
    public async Task Past_a_thousand_rows_the_pager_moves_to_older_and_newer_pages()
    {
        var agent = UniqueAgent("PAGER");
        var start = DateTime.UtcNow.AddHours(-3);
        await server.PostAsync(Enumerable.Range(0, 1050).Select(i => (object)Entry(agent, "INFO", $"pager entry {i:D4}", start.AddSeconds(i))).ToArray());
        await using var ui = await server.OpenAsync($"/?agent={agent}");
        await Expect(ui.Rows).ToHaveCountAsync(100);

        await ui.Page.WaitForFunctionAsync(
            "() => { const s = document.querySelector('#scroller'); s.scrollTop = s.scrollHeight; return document.querySelectorAll('#results > li.row').length >= 1000; }",
            null, new() { PollingInterval = 100, Timeout = 30_000 });
        await Expect(ui.Page.Locator("#results-status")).ToHaveTextAsync("Showing 1–1,000 of 1,050");
        await Expect(ui.Rows).ToHaveCountAsync(1000);

        // The page holds at most a thousand rows: the older ones are the next page.
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Older" }).ClickAsync();
        await Expect(ui.Page.Locator("#results-status")).ToHaveTextAsync("Showing 1,001–1,050 of 1,050");
        await Expect(ui.Rows).ToHaveCountAsync(50);
        await Expect(ui.Rows.First).ToContainTextAsync("pager entry 0049");
        await Expect(ui.Page.GetByRole(AriaRole.Button, new() { Name = "Older" })).ToBeHiddenAsync();

        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Newer" }).ClickAsync();
        await Expect(ui.Rows.First).ToContainTextAsync("pager entry 1049");
        await Expect(ui.Page.GetByRole(AriaRole.Button, new() { Name = "Newer" })).ToBeHiddenAsync();
        ui.AssertNoErrors();
    }

    private const string FirstVisibleRow = """
        () => {
          const top = document.querySelector('#scroller').getBoundingClientRect().top;
          const row = [...document.querySelectorAll('#results > li')].find(li => li.getBoundingClientRect().bottom > top + 1);
          return { id: row.dataset.id, top: row.getBoundingClientRect().top };
        }
        """;
}

using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LogAggregator.Browser.Tests;

/// <summary>Whatever a log holds is shown as text and runs nothing.</summary>
[Collection(UiCollection.Name)]
public sealed class SafetyTests(UiServer server)
{
    private const string Script = "<script>window.__xss = 'script'</script> xsspayload";
    private const string Image = "<img src=x onerror=\"window.__xss = 'img'\"> xsspayload";
    private const string Link = "javascript:window.__xss = 'js' xsspayload";

    [Fact]
    public async Task Markup_in_messages_metadata_source_and_agent_is_shown_as_text_and_runs_nothing()
    {
        var agent = UniqueAgent("XSS");
        var markupAgent = "<img src=x onerror=\"window.__xss='agent'\">";
        await server.PostAsync(
            Entry(agent, "ERROR", Script, source: "javascript:window.__xss='source'", metadata: new { html = "<img src=x onerror=\"window.__xss='meta'\">" }),
            Entry(agent, "ERROR", Image),
            Entry(agent, "CRITICAL", Link),
            Entry(markupAgent, "INFO", "agent with markup xsspayload"));
        var dialogs = 0;
        await using var ui = await server.OpenAsync("/?q=xsspayload");
        ui.Page.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };

        await Expect(ui.Rows).ToHaveCountAsync(4);
        await Expect(ui.Row(Script).Locator(".msg")).ToHaveTextAsync(Script);
        await Expect(ui.Row(Image).Locator(".msg")).ToHaveTextAsync(Image);
        await Expect(ui.Row(Link).Locator(".msg")).ToHaveTextAsync(Link);
        await Expect(ui.Row("agent with markup").Locator(".agent")).ToHaveTextAsync(markupAgent);

        // Opened, with metadata, source and context (the search highlights run over the payloads too).
        await ui.Row(Script).Locator(".row-head").ClickAsync();
        var detail = ui.Row(Script).Locator(".detail");
        await Expect(detail.Locator("pre.json")).ToContainTextAsync("<img src=x onerror=");
        await Expect(detail.Locator("dl.fields")).ToContainTextAsync("javascript:window.__xss='source'");
        await Expect(detail.Locator(".ctx.target")).ToContainTextAsync(Script);

        // The same values in the patterns table and the alerts panel.
        await WaitForAsync(async () => (await server.Api.GetStringAsync($"/api/alerts?agent={agent}")).Contains(agent));
        await ui.Page.GetByRole(AriaRole.Link, new() { Name = "Patterns" }).ClickAsync();
        await Expect(ui.Page.Locator("#patterns tbody tr", new() { HasText = "xsspayload" }).First).ToBeVisibleAsync();
        await ui.Page.GetByRole(AriaRole.Link, new() { Name = "Alerts" }).ClickAsync();
        await Expect(ui.Page.Locator("#alerts tbody tr", new() { HasText = agent }).First).ToBeVisibleAsync();
        await ui.Page.Locator("#alerts tbody tr", new() { HasText = agent }).First.Locator("td").Nth(1).GetByRole(AriaRole.Button).ClickAsync();
        await Expect(ui.Page.Locator("#alert-detail .samples")).ToContainTextAsync("xsspayload");

        Assert.Equal(0, await ui.Page.Locator("main img, header img, #query img").CountAsync());
        Assert.Equal(0, await ui.Page.Locator("main script").CountAsync());
        Assert.Null(await ui.Page.EvaluateAsync<string?>("window.__xss ?? null"));
        Assert.Equal(0, dialogs);
        ui.AssertNoErrors();
    }

    [Fact]
    public async Task The_error_check_sees_what_the_browser_reports()
    {
        // Positive control for the "no console errors" assertions of every test: an error is seen.
        await using var ui = await server.OpenAsync("/");
        await ui.Page.EvaluateAsync("console.error('probe')");
        await ui.Page.EvaluateAsync("setTimeout(() => { throw new Error('uncaught probe'); })");
        await Expect(ui.Page.Locator("#results-status")).Not.ToBeEmptyAsync();
        Assert.Contains(ui.Errors, e => e.Contains("probe"));
        for (var i = 0; i < 100 && !ui.Errors.Any(e => e.Contains("uncaught probe")); i++)
        {
            await ui.Page.EvaluateAsync("new Promise(r => setTimeout(r, 20))");
        }

        Assert.Contains(ui.Errors, e => e.Contains("uncaught probe"));
    }
}

using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LogAggregator.Browser.Tests;

/// <summary>A server of its own with API keys on.</summary>
public sealed class KeyedServer : IAsyncLifetime
{
    public const string ReadKey = "ui-read-key-8c2f6a0e4b1d";
    public const string WriterKey = "ui-writer-key-3e9b7d1f5a2c";
    public const string AdminKey = "ui-admin-key-7a1c9e5b3d0f";

    public UiServer Server { get; } = new() { ApiKey = WriterKey };

    public async Task InitializeAsync()
    {
        Server.Environment["API_KEYS"] = $"viewer:{ReadKey}:read,tests:{WriterKey}:ingest+read,on-call:{AdminKey}:admin";
        await Server.InitializeAsync();
    }

    public Task DisposeAsync() => Server.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class KeyedCollection : ICollectionFixture<KeyedServer>
{
    public const string Name = "keyed";
}

/// <summary>With keys on, the page asks for a read key once, keeps it for the tab, and sends it everywhere.</summary>
[Collection(KeyedCollection.Name)]
public sealed class KeyPromptTests(KeyedServer keyed)
{
    private UiServer Server => keyed.Server;

    [Fact]
    public async Task The_page_asks_once_for_a_key_asks_again_for_a_wrong_one_and_then_shows_logs_live_tail_and_export()
    {
        var agent = UniqueAgent("KEYED");
        await Server.PostAsync(Entry(agent, "ERROR", "stored before the key was given"));
        await using var ui = await Server.OpenAsync($"/?agent={agent}");
        var prompts = 0;
        ui.Page.Dialog += (_, dialog) => { prompts++; _ = dialog.DismissAsync(); };
        var dialog = ui.Page.GetByRole(AriaRole.Dialog, new() { Name = "API key" });

        // Every request of the first view was refused at once; one dialog asks.
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(dialog).ToContainTextAsync("needs an API key with the read scope");
        Assert.Equal(1, await ui.Page.Locator("dialog[open]").CountAsync());
        await dialog.GetByLabel("Key").FillAsync(KeyedServer.ReadKey);
        await ui.ScreenshotAsync("api-key-prompt.png");
        await ScreensTests.AssertAccessibleAsync(ui.Page);

        // A wrong key: asked again, saying so.
        await dialog.GetByLabel("Key").FillAsync("not-the-right-key-at-all");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Use key" }).ClickAsync();
        await Expect(dialog).ToContainTextAsync("That key was not accepted");
        await Expect(dialog).ToBeVisibleAsync();

        await dialog.GetByLabel("Key").FillAsync(KeyedServer.ReadKey);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Use key" }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(ui.Row("stored before the key was given")).ToHaveCountAsync(1);
        await Expect(ui.Page.Locator("#total-agents")).Not.ToHaveTextAsync("–");

        // Live tail carries the key too.
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Live" }).ClickAsync();
        await Expect(ui.Page.Locator("#live-toggle.connected")).ToHaveCountAsync(1);
        await Server.PostAsync(Entry(agent, "WARNING", "arrived while live"));
        await Expect(ui.Row("arrived while live")).ToHaveCountAsync(1);

        // So does the export, which a plain link could not.
        var download = await ui.Page.RunAndWaitForDownloadAsync(() => ui.Page.GetByRole(AriaRole.Link, new() { Name = "Export NDJSON" }).ClickAsync());
        var exported = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.Contains("stored before the key was given", exported);

        // Kept for the tab: a reload does not ask again.
        await ui.Page.ReloadAsync();
        await Expect(ui.Row("arrived while live")).ToHaveCountAsync(1);
        await Expect(dialog).ToBeHiddenAsync();
        Assert.Equal(KeyedServer.ReadKey, await ui.Page.EvaluateAsync<string>("sessionStorage.getItem('logaggregator.api-key')"));
        Assert.Equal(0, prompts);
        AssertOnlyRefusalsReported(ui);
    }

    [Fact]
    public async Task Silencing_with_a_read_key_asks_for_a_key_with_the_admin_scope()
    {
        var agent = UniqueAgent("KEYED_ALERT");
        await Server.PostAsync(Entry(agent, "CRITICAL", "vault sealed under keys"));
        await WaitForAsync(async () => (await Server.Api.GetStringAsync($"/api/alerts?agent={agent}")).Contains(agent));
        await using var ui = await Server.OpenAsync("/?view=alerts");
        var dialog = ui.Page.GetByRole(AriaRole.Dialog, new() { Name = "API key" });
        await dialog.GetByLabel("Key").FillAsync(KeyedServer.ReadKey);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Use key" }).ClickAsync();

        var alert = ui.Page.Locator("#alerts tbody tr", new() { HasText = agent });
        await alert.Locator("td").Nth(1).GetByRole(AriaRole.Button).ClickAsync();
        var panel = ui.Page.Locator("#alert-detail");
        await panel.GetByLabel("every alert of agent").CheckAsync();
        await panel.GetByRole(AriaRole.Button, new() { Name = "Create silence" }).ClickAsync();

        // The read key may not silence: the dialog asks for one that may.
        await Expect(dialog).ToContainTextAsync("lacks the scope");
        await dialog.GetByLabel("Key").FillAsync(KeyedServer.AdminKey);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Use key" }).ClickAsync();
        await Expect(panel.Locator(".silence-form .note")).ToContainTextAsync("Silenced until");
        Assert.Contains(agent, await Server.Api.GetStringAsync("/api/alerts/silences"));
        AssertOnlyRefusalsReported(ui);
    }

    /// <summary>Chromium reports each refused request as a console error; nothing else may be reported.</summary>
    private static void AssertOnlyRefusalsReported(UiPage ui)
    {
        var other = ui.Errors.Where(e => !e.Contains("401 (Unauthorized)") && !e.Contains("403 (Forbidden)")).ToList();
        Assert.True(other.Count == 0, "the browser reported: " + string.Join("\n", other));
    }
}

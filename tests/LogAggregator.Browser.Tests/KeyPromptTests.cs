using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LogAggregator.Browser.Tests;

/// <summary>A server of its own with API keys on.</summary>
public sealed class KeyedServer : IAsyncLifetime
{
    public const string ReadKey = "ui-read-key-8c2f6a0e4b1d";
    public const string WriterKey = "ui-writer-key-3e9b7d1f5a2c";

    public UiServer Server { get; } = new() { ApiKey = WriterKey };

    public async Task InitializeAsync()
    {
        Server.Environment["API_KEYS"] = $"viewer:{ReadKey}:read,tests:{WriterKey}:ingest+read";
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

    /// <summary>Chromium reports each refused request as a console error; nothing else may be reported.</summary>
    private static void AssertOnlyRefusalsReported(UiPage ui)
    {
        var other = ui.Errors.Where(e => !e.Contains("401 (Unauthorized)")).ToList();
        Assert.True(other.Count == 0, "the browser reported: " + string.Join("\n", other));
    }
}

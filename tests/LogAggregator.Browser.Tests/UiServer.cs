using System.Net.Http.Json;
using LogAggregator.Testing;
using Microsoft.Playwright;

namespace LogAggregator.Browser.Tests;

/// <summary>
/// The real server (its own process, as operators run it) on a free loopback port with a fresh data directory,
/// and one headless Debian chromium for every test that shares it. Each test opens its own browser context.
/// </summary>
public sealed class UiServer : IAsyncLifetime
{
    private LaunchedServer? _server;
    private IPlaywright? _playwright;

    public UiServer()
    {
        Root = Path.Combine(Path.GetTempPath(), "logagg-ui-" + Guid.NewGuid().ToString("N")[..12]);
    }

    /// <summary>Extra environment of the server process (e.g. API_KEYS), set before <see cref="InitializeAsync"/>.</summary>
    public Dictionary<string, string> Environment { get; } = new();

    /// <summary>With API keys on: a key with ingest and read, which <see cref="Api"/> sends on every request.</summary>
    public string? ApiKey { get; init; }

    public string Root { get; }
    public string BaseUrl { get; private set; } = "";
    public HttpClient Api { get; private set; } = new();
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Debian's chromium, which .ci/run installs; Playwright's own browser downloads are not available here.</summary>
    public const string Chromium = "/usr/bin/chromium";

    public async Task InitializeAsync()
    {
        // Locator assertions poll up to this long: the machine is shared, and a first query warms DuckDB.
        Assertions.SetDefaultExpectTimeout(20_000);
        var port = ServerLaunch.FreePort();
        var info = ServerLaunch.StartInfo(port, Root, Path.Combine(Root, "data"), Path.Combine(Root, "logs"));
        Directory.CreateDirectory(Path.Combine(Root, "logs"));
        info.Environment["DOTNET_gcServer"] = "0";
        foreach (var (key, value) in Environment)
        {
            info.Environment[key] = value;
        }

        _server = new LaunchedServer(info);
        BaseUrl = $"http://127.0.0.1:{port}";
        Api = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
        if (ApiKey is not null)
        {
            Api.DefaultRequestHeaders.Add("X-API-Key", ApiKey);
        }
        await WaitUntilReadyAsync();

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
    }

    private async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (_server!.Process.HasExited)
            {
                throw new InvalidOperationException($"the server exited with {_server.Process.ExitCode}:\n{_server.Output}");
            }

            try
            {
                if ((await Api.GetAsync("/api/stats")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the server did not answer within 60 s:\n{_server.Output}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>A fresh browser context (its own storage and permissions) on <paramref name="path"/>.</summary>
    public async Task<UiPage> OpenAsync(string path = "/", int width = 1280, int height = 800, ColorScheme scheme = ColorScheme.Dark)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            ViewportSize = new ViewportSize { Width = width, Height = height },
            ColorScheme = scheme,
            AcceptDownloads = true,
            Permissions = ["clipboard-read", "clipboard-write"],
        });
        var page = new UiPage(context, await context.NewPageAsync());
        await page.Page.GotoAsync(path);
        return page;
    }

    public async Task PostAsync(params object[] entries)
    {
        var response = await Api.PostAsJsonAsync("/api/logs", entries);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>An entry as POST /api/logs takes it.</summary>
    public static Dictionary<string, object?> Entry(
        string agent, string level, string message, DateTime? timestamp = null, string? source = null, object? metadata = null)
    {
        var entry = new Dictionary<string, object?>
        {
            ["agent"] = agent,
            ["level"] = level,
            ["message"] = message,
            ["timestamp"] = (timestamp ?? DateTime.UtcNow).ToString("O"),
        };
        if (source is not null)
        {
            entry["source"] = source;
        }

        if (metadata is not null)
        {
            entry["metadata"] = metadata;
        }

        return entry;
    }

    /// <summary>Polls a condition the API answers (the page itself is waited on with locators).</summary>
    public static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within 30 s");
            await Task.Delay(100);
        }
    }

    /// <summary>A name no other test uses, so tests sharing the server see only their own entries.</summary>
    public static string UniqueAgent(string prefix) => $"{prefix}_{Guid.NewGuid().ToString("N")[..6].ToUpperInvariant()}";

    public async Task DisposeAsync()
    {
        if (_playwright is not null)
        {
            await Browser.CloseAsync();
            _playwright.Dispose();
        }

        Api.Dispose();
        if (_server is not null)
        {
            await _server.KillAsync();
            _server.Dispose();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>One test's page, recording what the browser reports as errors (console errors and uncaught exceptions).</summary>
public sealed class UiPage : IAsyncDisposable
{
    private readonly List<string> _errors = [];

    public UiPage(IBrowserContext context, IPage page)
    {
        Context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (_errors)
                {
                    _errors.Add($"console: {message.Text}");
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (_errors)
            {
                _errors.Add($"page error: {error}");
            }
        };
    }

    public IBrowserContext Context { get; }
    public IPage Page { get; }

    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToList();
            }
        }
    }

    public ILocator Rows => Page.Locator("#results > li.row");

    public ILocator Row(string message) => Rows.Filter(new LocatorFilterOptions { HasText = message });

    public void AssertNoErrors() => Assert.True(Errors.Count == 0, "the browser reported: " + string.Join("\n", Errors));

    /// <summary>Saved where <see cref="Screenshots.Directory"/> says.</summary>
    public async Task ScreenshotAsync(string name)
    {
        var directory = Path.Combine(Screenshots.Directory);
        Directory.CreateDirectory(directory);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, name) });
    }

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}

public static class Screenshots
{
    /// <summary>
    /// With <c>LOGAGG_SCREENSHOTS=docs</c> the README's screenshots, docs/screenshots/ of the checkout
    /// (tests/LogAggregator.Browser.Tests/bin/&lt;Configuration&gt;/net10.0 → docs/screenshots); otherwise beside the
    /// test binaries, so an ordinary test run leaves the committed files alone (each run's times differ).
    /// </summary>
    public static string Directory =>
        Environment.GetEnvironmentVariable("LOGAGG_SCREENSHOTS") == "docs"
            ? Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "docs", "screenshots"))
            : Path.Combine(AppContext.BaseDirectory, "screenshots");
}

[CollectionDefinition(Name)]
public sealed class UiCollection : ICollectionFixture<UiServer>
{
    public const string Name = "browser";
}

using LogAggregator.Configuration;
using LogAggregator.Storage;
using LogAggregator.Storage.DuckDb;
using LogAggregator.Storage.Postgres;
using LogAggregator.Telemetry;
using LogAggregator.Web.Controllers;
using LogAggregator.Web.Json;
using LogAggregator.Web.Protocols;
using LogAggregator.Web.Security;
using LogAggregator.Web.Services;
using OpenTelemetry.Metrics;

namespace LogAggregator.Web;

/// <summary>Builds the whole server; Program.cs and the tests start it the same way.</summary>
public static class LogAggregatorApp
{
    public const string DefaultUrl = "http://0.0.0.0:8062";

    /// <param name="decorateStore">
    /// Tests only: wraps the log store every actor and service gets (e.g. to watch what reaches it). The wrapper owns
    /// the store it is given and disposes it.
    /// </param>
    public static WebApplication Build(
        string[] args, IReadOnlyDictionary<string, string?>? environment = null, Func<ILogStore, ILogStore>? decorateStore = null)
    {
        var (operatorFile, rest) = SplitConfigArgument(args);
        var (hocon, settings) = LogAggregatorConfig.Load(environment ?? LogAggregatorConfig.ProcessEnvironment(), operatorFile);
        if (environment is null)
        {
            // Hashed now; ASP.NET's configuration would otherwise copy every variable, the keys' text included.
            Environment.SetEnvironmentVariable(ApiKeyParsing.Variable, null);
        }

        // Before anything opens a DuckDB or SQLite file in the directory.
        var directoryLock = DataDirectoryLock.Acquire(settings.AggregatedDir);
        try
        {
            if (settings.DatabaseProvider == DatabaseProvider.Embedded)
            {
                // On PostgreSQL the actor state is in the database: no state file.
                StateDatabase.Prepare(settings.StateDatabasePath);
            }

            return Build(rest, settings, hocon, directoryLock, decorateStore);
        }
        catch
        {
            directoryLock.Dispose();
            throw;
        }
    }

    private static WebApplication Build(
        string[] rest, LogAggregatorSettings settings, Akka.Configuration.Config hocon, DataDirectoryLock directoryLock,
        Func<ILogStore, ILogStore>? decorateStore)
    {
        // Content and web roots sit beside the binaries, so the server finds hocon/ and wwwroot/ from any working directory.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = rest,
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = settings.Http.MaxBodySize);
        builder.Services.AddSingleton(settings);
        // Created by a factory so the container disposes it; resolved first, so it is disposed last, after the store.
        builder.Services.AddSingleton(_ => directoryLock);
        builder.Services.AddSingleton<ILogStore>(services =>
        {
            if (settings.DatabaseProvider == DatabaseProvider.PostgreSql)
            {
                var shared = new PostgresLogStore(new PostgresLogStoreOptions(settings.DatabaseConnection, settings.Postgres.SearchTimeout));
                return decorateStore is null ? shared : decorateStore(shared);
            }

            var store = new DuckDbLogStore(new DuckDbLogStoreOptions(
                settings.AggregatedDir, settings.DuckDb.MemoryLimit, settings.DuckDb.Threads, settings.DuckDb.CheckpointThreshold));
            var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger<DuckDbLogStore>();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            // Until then searches are right but read every row; operators and the query benchmark wait for this line.
            store.IndexReady.ContinueWith(
                _ => logger.LogInformation("Search index built over the stored day files in {Seconds:0.0} s", clock.Elapsed.TotalSeconds),
                TaskScheduler.Default);
            return decorateStore is null ? store : decorateStore(store);
        });
        builder.Services.AddSingleton<IIngestService, IngestService>();
        builder.Services.AddSingleton<ILogQueryService, LogQueryService>();
        builder.Services.AddSingleton<ILiveTailService, LiveTailService>();
        builder.Services.AddSingleton<IAlertService, AlertService>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(LogAggregatorMetrics.MeterName)
            // The runtime's own: GC heap and collections, working set, thread pool (dotnet_gc_*, dotnet_process_*).
            .AddMeter("System.Runtime")
            .AddPrometheusExporter());
        builder.Services.AddSingleton<IngestAdmission>();
        builder.Services.AddSingleton<SearchLimits>();
        builder.Services.AddLogAggregatorRateLimits(settings.Http.Limits, settings.Security.KeysRequired);
        builder.Services.AddSingleton<EntryBodyReader>();
        builder.Services.AddSingleton<ProtocolBodyReader>();
        builder.Services.AddLogAggregatorActors(hocon, settings);
        // After the actors: hosted services stop in reverse, so the listeners stop before the agent stores.
        builder.Services.AddSyslogListeners(settings);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemHandling>();
        builder.Services.AddControllers()
            .AddApplicationPart(typeof(LogAggregatorApp).Assembly)
            .AddJsonOptions(o => EntryJson.Configure(o.JsonSerializerOptions));
        builder.Services.ConfigureHttpJsonOptions(o => EntryJson.Configure(o.SerializerOptions));
        builder.Services.AddLogAggregatorOpenApi();
        builder.Services.AddApiKeys(settings.Security);

        var app = builder.Build();
        app.Services.GetRequiredService<DataDirectoryLock>();
        // The provider starts listening when it is first resolved; the zero alert series must come after that.
        app.Services.GetRequiredService<MeterProvider>();
        LogAggregatorMetrics.DeclareAlertSeries();
        app.UseSecurityHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDefaultFiles();
        // The UI's files stay open: the page must load to ask for a key.
        app.UseStaticFiles();
        app.UseAuthentication();
        // After authentication, so a client is counted by its API key; before authorization, so a flood of requests
        // without a key is held back too.
        app.UseRateLimiter();
        app.UseAuthorization();
        app.MapControllers();
        app.MapOpenApi("/openapi/{documentName}.json").RequireAuthorization(new RequiresScopeAttribute(EndpointAccess.Operations));
        app.MapPrometheusScrapingEndpoint("/metrics").RequireAuthorization(new RequiresScopeAttribute(EndpointAccess.Operations));
        app.WarnAboutExposure(settings.Security);
        return app;
    }

    /// <summary><c>--config PATH</c> layers an operator's HOCON file; everything else goes to ASP.NET.</summary>
    private static (string? OperatorFile, string[] Remaining) SplitConfigArgument(string[] args)
    {
        var rest = new List<string>();
        string? file = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--config" && i + 1 < args.Length)
            {
                file = args[++i];
            }
            else if (args[i].StartsWith("--config=", StringComparison.Ordinal))
            {
                file = args[i]["--config=".Length..];
            }
            else
            {
                rest.Add(args[i]);
            }
        }

        return (file, rest.ToArray());
    }
}

using LogAggregator.Configuration;
using LogAggregator.Model;
using static LogAggregator.Tests.Configuration.OperatorFile;

namespace LogAggregator.Tests.Configuration;

public sealed class LogAggregatorConfigTests
{
    private static readonly string ShippedFile = ShippedSettings.File;

    [Fact]
    public void Shipped_file_gives_the_old_services_defaults()
    {
        var settings = Load([]);

        Assert.Equal("http://localhost:8060", settings.HermesUrl);
        Assert.Equal(["/tmp/*.log"], settings.LogSources);
        Assert.Equal("/work-dir/aggregated", settings.AggregatedDir);
        Assert.Equal(7, settings.RetentionDays);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.CollectInterval);
        Assert.Equal("127.0.0.1", settings.AkkaHostname);
        Assert.Equal(4053, settings.AkkaPort);
        Assert.Empty(settings.SeedNodes);
        Assert.Equal(DatabaseProvider.Embedded, settings.DatabaseProvider);
        Assert.Equal(10L * 1024 * 1024, settings.Http.MaxBodySize);
    }

    [Fact]
    public void DuckDb_checkpoint_threshold_ships_at_256MB_and_an_operator_file_lowers_it()
    {
        using var operatorFile = new OperatorFile("log-aggregator.storage.duckdb.checkpoint-threshold = \"32MB\"");

        Assert.Equal("256MB", Load([]).DuckDb.CheckpointThreshold);
        Assert.Equal("32MB", Load([], operatorFile.Path).DuckDb.CheckpointThreshold);
    }

    [Fact]
    public void Shard_count_ships_at_100_and_an_operator_file_sets_it()
    {
        using var operatorFile = new OperatorFile("log-aggregator.cluster.shards = 300");

        Assert.Equal(100, Load([]).Cluster.Shards);
        Assert.Equal(300, Load([], operatorFile.Path).Cluster.Shards);

        operatorFile.Write("log-aggregator.cluster.shards = 0");
        var error = Assert.Throws<ConfigurationException>(() => Load([], operatorFile.Path));
        Assert.StartsWith("log-aggregator.cluster.shards", error.Message);
    }

    [Fact]
    public void An_operator_file_includes_files_relative_to_itself_and_wins_over_them()
    {
        var directory = Directory.CreateTempSubdirectory("include-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(directory, "shared"));
            File.WriteAllText(Path.Combine(directory, "shared", "retention.conf"), "log-aggregator.retention-days = 21");
            File.WriteAllText(
                Path.Combine(directory, "cluster.conf"),
                "include \"shared/retention.conf\"\nlog-aggregator { collect-interval = 7s, hermes-url = \"http://cluster:1\" }");
            var node = Path.Combine(directory, "node.conf");
            File.WriteAllText(node, "include \"cluster.conf\"\nlog-aggregator.hermes-url = \"http://node:2\"");

            var settings = Load([], node);

            Assert.Equal(21, settings.RetentionDays);
            Assert.Equal(TimeSpan.FromSeconds(7), settings.CollectInterval);
            Assert.Equal("http://node:2", settings.HermesUrl);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void An_include_of_a_missing_file_stops_start_up_naming_it()
    {
        using var node = new OperatorFile("include \"no-such-cluster.conf\"");

        var error = Assert.Throws<ConfigurationException>(() => Load([], node.Path));

        Assert.Contains(Path.Combine(Path.GetTempPath(), "no-such-cluster.conf"), error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("node1.conf", "10.0.0.11")]
    [InlineData("node2.conf", "10.0.0.12")]
    [InlineData("node3.conf", "10.0.0.13")]
    public void The_three_node_example_gives_each_node_its_address_and_all_the_same_cluster(string file, string host)
    {
        var example = Path.Combine(Path.GetDirectoryName(ShippedFile)!, "examples", "three-node");

        var settings = Load([], Path.Combine(example, file));

        Assert.Equal(host, settings.AkkaHostname);
        Assert.Equal(4053, settings.AkkaPort);
        Assert.Equal(DatabaseProvider.PostgreSql, settings.DatabaseProvider);
        Assert.Contains("Host=10.0.0.10", settings.DatabaseConnection);
        Assert.Equal(
            ["akka.tcp://log-aggregator@10.0.0.11:4053", "akka.tcp://log-aggregator@10.0.0.12:4053"],
            settings.SeedNodes);
        Assert.Equal(100, settings.Cluster.Shards);
    }

    [Fact]
    public void Environment_variables_override_the_files()
    {
        var settings = Load(new()
        {
            ["HERMES_URL"] = "http://hermes:9000/",
            ["LOG_SOURCES"] = "/var/log/agents/*.log, /srv/*/logs/*.log",
            ["AGGREGATED_DIR"] = "/data/agg",
            ["RETENTION_DAYS"] = "30",
            ["COLLECT_INTERVAL"] = "2.5",
            ["AKKA_HOSTNAME"] = "10.0.0.5",
            ["AKKA_PORT"] = "0",
            ["AKKA_SEEDS"] = "10.0.0.5:4053,akka.tcp://log-aggregator@10.0.0.6:4053",
            ["DATABASE_PROVIDER"] = "postgresql",
            ["DATABASE_CONNECTION"] = "Host=db;Database=logs",
        });

        Assert.Equal("http://hermes:9000", settings.HermesUrl);
        Assert.Equal(["/var/log/agents/*.log", "/srv/*/logs/*.log"], settings.LogSources);
        Assert.Equal("/data/agg", settings.AggregatedDir);
        Assert.Equal(30, settings.RetentionDays);
        Assert.Equal(TimeSpan.FromSeconds(2.5), settings.CollectInterval);
        Assert.Equal("10.0.0.5", settings.AkkaHostname);
        Assert.Equal(0, settings.AkkaPort);
        Assert.Equal(["akka.tcp://log-aggregator@10.0.0.5:4053", "akka.tcp://log-aggregator@10.0.0.6:4053"], settings.SeedNodes);
    }

    [Fact]
    public void Seed_nodes_with_the_embedded_store_stop_start_up_naming_both_settings()
    {
        // Each node would write its own DuckDB files with colliding ids and answer for its own entries only.
        var error = Assert.Throws<ConfigurationException>(() => Load(new() { ["AKKA_SEEDS"] = "10.0.0.5:4053" }));

        Assert.StartsWith("AKKA_SEEDS", error.Message);
        Assert.Contains("DATABASE_PROVIDER=postgresql", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Seed_nodes_from_an_operator_file_with_the_embedded_store_stop_start_up_naming_the_path()
    {
        using var file = new OperatorFile("akka.cluster.seed-nodes = [\"akka.tcp://log-aggregator@10.0.0.5:4053\"]");

        var error = Assert.Throws<ConfigurationException>(() => Load([], file.Path));

        Assert.StartsWith("akka.cluster.seed-nodes", error.Message);
    }

    [Fact]
    public void Operator_file_layers_over_the_shipped_one_and_under_the_environment()
    {
        using var file = new OperatorFile("log-aggregator { retention-days = 14, collect-interval = 5s, hermes-url = \"http://ops:1\" }");

        var settings = Load(new() { ["HERMES_URL"] = "http://env:2" }, file.Path);

        Assert.Equal(14, settings.RetentionDays);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.CollectInterval);
        Assert.Equal("http://env:2", settings.HermesUrl);
    }

    [Fact]
    public void The_postgresql_store_is_chosen_with_its_connection_and_search_timeout_from_an_operator_file()
    {
        using var file = new OperatorFile("""
            log-aggregator.storage { provider = postgresql, connection = "Host=db;Database=logs", postgresql.search-timeout = 5s }
            """);

        var settings = Load([], file.Path);
        var defaults = Load([]);

        Assert.Equal(DatabaseProvider.PostgreSql, settings.DatabaseProvider);
        Assert.Equal("Host=db;Database=logs", settings.DatabaseConnection);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.Postgres.SearchTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), defaults.Postgres.SearchTimeout);
    }

    [Theory]
    [InlineData("RETENTION_DAYS", "seven", "RETENTION_DAYS")]
    [InlineData("RETENTION_DAYS", "0", "RETENTION_DAYS")]
    [InlineData("COLLECT_INTERVAL", "soon", "COLLECT_INTERVAL")]
    [InlineData("AKKA_PORT", "70000", "AKKA_PORT")]
    [InlineData("LOG_SOURCES", "/tmp/[ab].log", "LOG_SOURCES")]
    [InlineData("LOG_SOURCES", "/var/log/**/x.log", "LOG_SOURCES")]
    [InlineData("LOG_SOURCES", " , ", "LOG_SOURCES")]
    [InlineData("AKKA_SEEDS", "justahost", "AKKA_SEEDS")]
    [InlineData("DATABASE_PROVIDER", "oracle", "DATABASE_PROVIDER")]
    [InlineData("DATABASE_PROVIDER", "postgresql", "DATABASE_CONNECTION")]
    [InlineData("HERMES_URL", "not a url", "HERMES_URL")]
    public void Invalid_values_stop_start_up_with_one_line_naming_the_variable(string variable, string value, string named)
    {
        var error = Assert.Throws<ConfigurationException>(() => Load(new() { [variable] = value }));

        Assert.StartsWith(named, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Globs_expand_wildcards_in_any_segment()
    {
        var root = Path.Combine(Path.GetTempPath(), "globs-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(root, "a", "logs"));
        Directory.CreateDirectory(Path.Combine(root, "b", "logs"));
        File.WriteAllText(Path.Combine(root, "a", "logs", "x.log"), "");
        File.WriteAllText(Path.Combine(root, "b", "logs", "y.log"), "");
        File.WriteAllText(Path.Combine(root, "b", "logs", "y.txt"), "");

        var found = Globs.Expand(Path.Combine(root, "*", "logs", "*.log"), "/").Order().ToList();

        Assert.Equal([Path.Combine(root, "a", "logs", "x.log"), Path.Combine(root, "b", "logs", "y.log")], found);
        Assert.Empty(Globs.Expand(Path.Combine(root, "missing", "*.log"), "/"));
        Directory.Delete(root, true);
    }

    [Fact]
    public void Shipped_file_gives_the_alerting_rules_of_the_design()
    {
        var alerting = Load([]).Alerting;

        Assert.True(alerting.Enabled);
        Assert.Equal("http://localhost:8062", alerting.PublicUrl);
        Assert.Equal((TimeSpan.FromSeconds(300), 5, TimeSpan.FromSeconds(600), TimeSpan.FromHours(1)),
            (alerting.Window, alerting.ErrorThreshold, alerting.Cooldown, alerting.MaxEntryAge));
        Assert.Equal(["database_connection", "out_of_memory", "authentication", "rate_limit", "disk_space"], alerting.Patterns.Select(p => p.Name));
        Assert.Equal(
            [Level.Critical, Level.Critical, Level.Error, Level.Warning, Level.Critical],
            alerting.Patterns.Select(p => p.Level));
        Assert.Contains("connection refused", alerting.Patterns[0].Keywords);
        Assert.Equal(new TimeOnly(8, 0), alerting.DailySummary.At);
        Assert.Equal(TimeSpan.FromMinutes(30), alerting.SilentAgents.After);
        Assert.Equal((TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2)), (alerting.HandOffLinger, alerting.HandOffMaxLinger));
    }

    [Fact]
    public void A_max_linger_shorter_than_the_linger_stops_start_up()
    {
        using var file = new OperatorFile("log-aggregator.alerting { hand-off-linger = 3s, hand-off-max-linger = 1s }");

        var error = Assert.Throws<ConfigurationException>(() => Load([], file.Path));

        Assert.Equal("log-aggregator.alerting.hand-off-max-linger must be at least hand-off-linger (3s), got '1s'", error.Message);
    }

    [Fact]
    public void An_operator_adds_a_known_pattern_by_editing_hocon()
    {
        using var file = new OperatorFile("""
            log-aggregator.alerting.patterns = [
              { name = payment_gateway, regex = "gateway (timed out|refused)", level = error, title = "Payment gateway down", threshold = 3 }
            ]
            """);

        var pattern = Assert.Single(Load([], file.Path).Alerting.Patterns);

        Assert.Equal(("payment_gateway", "gateway (timed out|refused)", Level.Error, "Payment gateway down", 3),
            (pattern.Name, pattern.Regex, pattern.Level, pattern.Title, pattern.Threshold));
    }

    [Theory]
    [InlineData("{ name = broken, regex = \"(unclosed\", level = error }", "'broken'")]
    [InlineData("{ name = backtracking, regex = \"(a)\\\\1\", level = error }", "'backtracking'")]
    [InlineData("{ name = empty, level = error }", "'empty'")]
    [InlineData("{ name = loud, keywords = [boom], level = shouting }", "'loud'")]
    public void A_bad_known_pattern_stops_start_up_with_one_line_naming_it(string pattern, string named)
    {
        using var file = new OperatorFile($"log-aggregator.alerting.patterns = [ {pattern} ]");

        var error = Assert.Throws<ConfigurationException>(() => Load([], file.Path));

        Assert.StartsWith("log-aggregator.alerting.patterns " + named, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}

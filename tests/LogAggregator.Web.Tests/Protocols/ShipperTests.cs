using System.Globalization;
using static LogAggregator.Web.Tests.Protocols.ProtocolTestSupport;

namespace LogAggregator.Web.Tests.Protocols;

/// <summary>Shippers and other languages' clients, run as the real programs against the server.</summary>
public sealed class ShipperTests
{
    [Fact]
    public async Task Pino_with_pino_loki_from_npm_stores_levels_labels_and_structured_metadata()
    {
        var node = RequireProgram("node", "Node.js runs the pino-loki client");
        var script = Path.Combine(RepositoryRoot(), "tests", "clients", "loki");
        if (!Directory.Exists(Path.Combine(script, "node_modules", "pino-loki")))
        {
            // The locked versions from the npm registry, so `dotnet test` alone runs this on a machine with Node.js.
            var npm = RequireProgram("npm", "npm installs the pino-loki client");
            var (installed, log) = await RunAsync(npm, "ci --no-audit --no-fund", script, seconds: 300);
            Assert.True(installed == 0, $"npm ci in {script} failed: {log}");
        }

        await using var host = await TestHost.StartAsync();
        var before = DateTime.UtcNow.AddSeconds(-1);
        var (exit, output) = await RunAsync(node, $"send.mjs {host.Client.BaseAddress}", script);
        Assert.True(exit == 0, output);
        Assert.DoesNotContain("error", output, StringComparison.OrdinalIgnoreCase);
        var after = DateTime.UtcNow.AddSeconds(1);

        var logs = await WaitForEntriesAsync(host, "inventory", 3);
        var reserved = ByMessage(logs, "stock reserved");
        Assert.Equal("INFO", reserved.GetProperty("level").GetString());
        Assert.InRange(Timestamp(reserved), before, after);
        Assert.Equal("test", Metadata(reserved).GetProperty("env").GetString());
        Assert.Equal("7", Metadata(reserved).GetProperty("orderId").GetString());
        Assert.Equal("WARNING", ByMessage(logs, "stock low").GetProperty("level").GetString());
        var failed = ByMessage(logs, "reservation failed");
        Assert.Equal("ERROR", failed.GetProperty("level").GetString());
        Assert.Contains("warehouse unreachable", failed.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Syslog_ng_tailing_a_file_delivers_to_the_syslog_TCP_listener_and_to_POST_api_logs()
    {
        var syslogNg = RequireProgram("syslog-ng", "apt-get install syslog-ng-core syslog-ng-mod-http");
        var tcpPort = FreeTcpPort();
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["SYSLOG_TCP_PORT"] = tcpPort.ToString(CultureInfo.InvariantCulture) });
        var dir = Path.Combine(Path.GetTempPath(), "logagg-syslog-ng-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var file = Path.Combine(dir, "app.log");
        var before = DateTime.UtcNow.AddSeconds(-1);
        await File.WriteAllLinesAsync(file, ["ledger balanced", "ledger entry \"quoted\" ü", "ledger closed"]);
        var config = Path.Combine(dir, "syslog-ng.conf");
        await File.WriteAllTextAsync(config, $$"""
            @version: 3.38
            options { stats_freq(0); };
            source s_app {
              file("{{file}}" follow-freq(0.1) flags(no-parse) program-override("payments") default-priority(warning));
            };
            destination d_syslog { syslog("127.0.0.1" transport("tcp") port({{tcpPort}})); };
            destination d_http {
              http(url("{{host.Client.BaseAddress}}api/logs") method("POST") headers("Content-Type: application/json")
                   body("$(format-json --scope none agent=ledger level=ERROR message=$MESSAGE)"));
            };
            log { source(s_app); destination(d_syslog); destination(d_http); };
            """);

        var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(syslogNg,
            $"-F -f {config} --pidfile={dir}/syslog-ng.pid --persist-file={dir}/syslog-ng.persist --control={dir}/syslog-ng.ctl --no-caps -e")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            List<System.Text.Json.JsonElement> viaSyslog, viaHttp;
            try
            {
                viaSyslog = await WaitForEntriesAsync(host, "payments", 3);
                viaHttp = await WaitForEntriesAsync(host, "ledger", 3);
            }
            catch (TimeoutException e)
            {
                process.Kill();
                throw new TimeoutException($"{e.Message}\nsyslog-ng said: {await stderr}");
            }

            var after = DateTime.UtcNow.AddSeconds(1);

            var quoted = ByMessage(viaSyslog, "quoted");
            Assert.Equal("ledger entry \"quoted\" ü", quoted.GetProperty("message").GetString());
            Assert.Equal("WARNING", quoted.GetProperty("level").GetString());
            Assert.InRange(Timestamp(quoted), before.AddSeconds(-1), after);
            Assert.Equal("user", Metadata(quoted).GetProperty("facility").GetString());
            Assert.False(string.IsNullOrEmpty(Metadata(quoted).GetProperty("hostname").GetString()));
            Assert.Equal(["ledger balanced", "ledger entry \"quoted\" ü", "ledger closed"],
                viaSyslog.Select(l => l.GetProperty("message").GetString()).Reverse());

            var closed = ByMessage(viaHttp, "ledger closed");
            Assert.Equal("ERROR", closed.GetProperty("level").GetString());
            Assert.Equal("ledger closed", closed.GetProperty("message").GetString());
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }

            _ = await stderr;
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Python_logging_SysLogHandler_over_UDP_stores_tag_severity_and_message()
    {
        var python = RequireProgram("python3", "apt-get install python3");
        var udpPort = FreeUdpPort();
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["SYSLOG_UDP_PORT"] = udpPort.ToString(CultureInfo.InvariantCulture) });
        var script = $$"""
            import logging, logging.handlers
            handler = logging.handlers.SysLogHandler(address=("127.0.0.1", {{udpPort}}))
            handler.setFormatter(logging.Formatter("orders: %(message)s"))
            log = logging.getLogger("orders")
            log.addHandler(handler)
            log.setLevel(logging.DEBUG)
            log.error("payment gateway timeout after %d s", 30)
            log.info("order shipped")
            """;
        var path = Path.Combine(Path.GetTempPath(), $"logagg-syslog-{Guid.NewGuid():N}.py");
        await File.WriteAllTextAsync(path, script);
        var before = DateTime.UtcNow.AddSeconds(-1);
        try
        {
            // UDP is best-effort: a datagram sent before the listener is bound is gone, so send until one arrives.
            List<System.Text.Json.JsonElement> logs;
            while (true)
            {
                var (exit, output) = await RunAsync(python, path, Path.GetTempPath());
                Assert.True(exit == 0, output);
                try
                {
                    logs = await WaitForEntriesAsync(host, "orders", 2, seconds: 2);
                    break;
                }
                catch (TimeoutException) when (DateTime.UtcNow < before.AddSeconds(30))
                {
                }
            }

            var timeout = ByMessage(logs, "payment gateway");
            Assert.Equal("payment gateway timeout after 30 s", timeout.GetProperty("message").GetString());
            Assert.Equal("ERROR", timeout.GetProperty("level").GetString());
            Assert.InRange(Timestamp(timeout), before, DateTime.UtcNow.AddSeconds(1));
            Assert.Equal("user", Metadata(timeout).GetProperty("facility").GetString());
            Assert.Equal("INFO", ByMessage(logs, "order shipped").GetProperty("level").GetString());
        }
        finally
        {
            File.Delete(path);
        }
    }
}

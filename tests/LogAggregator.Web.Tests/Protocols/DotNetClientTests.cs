using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Resources;
using Serilog;
using static LogAggregator.Web.Tests.Protocols.ProtocolTestSupport;

namespace LogAggregator.Web.Tests.Protocols;

/// <summary>The .NET logging libraries operators already run, pointed at the server unchanged.</summary>
public sealed class DotNetClientTests
{
    [Fact]
    public async Task Serilog_with_the_Seq_sink_stores_rendered_messages_levels_exceptions_and_properties()
    {
        await using var host = await TestHost.StartAsync();
        var before = DateTime.UtcNow.AddSeconds(-1);
        // Disposing the logger flushes the sink's buffer: the events have been posted once it returns.
        using (var logger = new LoggerConfiguration()
                   .MinimumLevel.Verbose()
                   .Enrich.WithProperty("Application", "billing")
                   .WriteTo.Seq(host.Client.BaseAddress!.ToString(), apiKey: "ignored-while-keys-are-off")
                   .CreateLogger())
        {
            logger.Information("Order {OrderId} took {Elapsed:0.00} ms for {@Customer}", 42, 12.3456, new { Name = "Ann" });
            logger.Debug("Cache {{warm}} for {Region}", "eu");
            logger.Error(new InvalidOperationException("card declined"), "Payment failed for {OrderId}", 43);
        }

        var after = DateTime.UtcNow.AddSeconds(1);
        var logs = await WaitForEntriesAsync(host, "billing", 3);

        var order = ByMessage(logs, "Order 42");
        Assert.Equal("Order 42 took 12.35 ms for {\"Name\":\"Ann\"}", order.GetProperty("message").GetString());
        Assert.Equal("INFO", order.GetProperty("level").GetString());
        Assert.Equal("billing", order.GetProperty("agent").GetString());
        Assert.InRange(Timestamp(order), before, after);
        Assert.Equal(42, Metadata(order).GetProperty("OrderId").GetInt32());
        Assert.Equal("Ann", Metadata(order).GetProperty("Customer").GetProperty("Name").GetString());
        Assert.Equal("Order {OrderId} took {Elapsed:0.00} ms for {@Customer}", Metadata(order).GetProperty("message_template").GetString());

        var cache = ByMessage(logs, "Cache");
        Assert.Equal("Cache {warm} for eu", cache.GetProperty("message").GetString());
        Assert.Equal("DEBUG", cache.GetProperty("level").GetString());

        var payment = ByMessage(logs, "Payment failed");
        Assert.Equal("ERROR", payment.GetProperty("level").GetString());
        Assert.StartsWith("Payment failed for 43\nSystem.InvalidOperationException: card declined", payment.GetProperty("message").GetString());
    }

    [Fact]
    public async Task OpenTelemetry_OTLP_log_exporter_over_HTTP_protobuf_stores_service_severity_body_attributes_and_trace()
    {
        await using var host = await TestHost.StartAsync();
        var before = DateTime.UtcNow.AddSeconds(-1);
        var activity = new Activity("checkout-request").Start();
        try
        {
            using var factory = LoggerFactory.Create(logging => logging
                .SetMinimumLevel(LogLevel.Trace)
                .AddOpenTelemetry(otel =>
                {
                    otel.SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("checkout", serviceVersion: "1.2.3"));
                    otel.IncludeFormattedMessage = true;
                    otel.AddOtlpExporter(exporter =>
                    {
                        exporter.Endpoint = new Uri(host.Client.BaseAddress!, "/v1/logs");
                        exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                    });
                }));
            var logger = factory.CreateLogger("Shop.Checkout");
            logger.LogWarning("Cart {CartId} abandoned after {Minutes} minutes", 7, 30);
            logger.LogCritical("Checkout down");
            logger.LogTrace("Trace detail");
        }
        finally
        {
            activity.Stop();
        }

        var after = DateTime.UtcNow.AddSeconds(1);
        var logs = await WaitForEntriesAsync(host, "checkout", 3);

        var cart = ByMessage(logs, "Cart 7");
        Assert.Equal("Cart 7 abandoned after 30 minutes", cart.GetProperty("message").GetString());
        Assert.Equal("WARNING", cart.GetProperty("level").GetString());
        Assert.Equal("checkout", cart.GetProperty("agent").GetString());
        Assert.InRange(Timestamp(cart), before, after);
        var metadata = Metadata(cart);
        Assert.Equal(7, metadata.GetProperty("CartId").GetInt32());
        Assert.Equal(activity.TraceId.ToHexString(), metadata.GetProperty("trace_id").GetString());
        Assert.Equal(activity.SpanId.ToHexString(), metadata.GetProperty("span_id").GetString());
        Assert.Equal("1.2.3", metadata.GetProperty("service.version").GetString());
        Assert.Equal("Shop.Checkout", metadata.GetProperty("scope.name").GetString());

        // The SDK sends severity text "Critical" with number 21 (FATAL): a known level in the text wins.
        Assert.Equal("CRITICAL", ByMessage(logs, "Checkout down").GetProperty("level").GetString());
        Assert.Equal("DEBUG", ByMessage(logs, "Trace detail").GetProperty("level").GetString());
    }
}

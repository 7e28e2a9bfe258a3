using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using LogAggregator.Configuration;
using LogAggregator.Ingestion.Protocols;
using LogAggregator.Model;
using LogAggregator.Telemetry;
using LogAggregator.Web.Controllers;
using LogAggregator.Web.Services;

namespace LogAggregator.Web.Protocols;

/// <summary>
/// Syslog over TCP and UDP (ports from HOCON or SYSLOG_TCP_PORT / SYSLOG_UDP_PORT; 0 = off), stored through the
/// same commit path as POST /api/logs. A TCP connection is read, its complete messages batched and committed, and
/// only then read further: its messages are stored in order, and a sender faster than the store is slowed by
/// TCP's own flow control. A UDP datagram has no answer, so it is best-effort: one that arrives while the socket's
/// buffer is full, or while the server is down, is lost.
/// </summary>
public sealed class SyslogListener(IIngestService ingest, LogAggregatorSettings settings, ILogger<SyslogListener> log) : BackgroundService
{
    /// <summary>A message longer than this closes its TCP connection (no framing could be trusted after it).</summary>
    private const int MaxMessage = 1 << 20;

    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var protocols = settings.Protocols;
        var address = IPAddress.Parse(protocols.SyslogHost);
        var listeners = new List<Task>();
        if (protocols.SyslogTcpPort > 0)
        {
            var tcp = new TcpListener(address, protocols.SyslogTcpPort);
            tcp.Start();
            log.LogInformation("Syslog TCP listener on {Address}:{Port}", address, protocols.SyslogTcpPort);
            listeners.Add(AcceptAsync(tcp, stoppingToken));
        }

        if (protocols.SyslogUdpPort > 0)
        {
            var udp = new UdpClient(new IPEndPoint(address, protocols.SyslogUdpPort));
            log.LogInformation("Syslog UDP listener on {Address}:{Port}", address, protocols.SyslogUdpPort);
            listeners.Add(ReceiveAsync(udp, stoppingToken));
        }

        return Task.WhenAll(listeners);
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken stoppingToken)
    {
        var connections = new List<Task>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(stoppingToken);
                connections.RemoveAll(c => c.IsCompleted);
                connections.Add(ServeAsync(client, stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            listener.Stop();
            await Task.WhenAll(connections);
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken stoppingToken)
    {
        var remote = client.Client.RemoteEndPoint?.ToString() ?? "?";
        using var _ = client;
        var reader = PipeReader.Create(client.GetStream());
        var batch = new List<LogEntry>();
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(stoppingToken);
                var buffer = result.Buffer;
                var now = DateTime.UtcNow;
                while (batch.Count < settings.Protocols.SyslogBatchSize && SyslogFraming.TryRead(ref buffer, MaxMessage, out var message))
                {
                    if (message!.Length > 0)
                    {
                        batch.Add(SyslogMessage.Parse(message, now, settings.Ingestion.MaxAgentLength));
                    }
                }

                if (result.IsCompleted && buffer.Length > 0 && batch.Count < settings.Protocols.SyslogBatchSize)
                {
                    // The last line of a connection needs no newline.
                    var text = System.Text.Encoding.UTF8.GetString(buffer.ToArray());
                    batch.Add(SyslogMessage.Parse(text, now, settings.Ingestion.MaxAgentLength));
                    buffer = buffer.Slice(buffer.End);
                }

                // Committed before the connection is read further: that is the back-pressure, and the order.
                var full = batch.Count >= settings.Protocols.SyslogBatchSize;
                await CommitAsync(batch, remote, stoppingToken);
                // A full batch may have left whole messages behind: those must be read again without waiting for more.
                reader.AdvanceTo(buffer.Start, full ? buffer.Start : buffer.End);
                if (result.IsCompleted && buffer.Length == 0)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is IOException or InvalidDataException or SocketException)
        {
            log.LogWarning("Syslog TCP connection from {Remote} closed: {Reason}", remote, e.Message);
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    private async Task ReceiveAsync(UdpClient udp, CancellationToken stoppingToken)
    {
        using var _ = udp;
        var batch = new List<LogEntry>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var datagram = await udp.ReceiveAsync(stoppingToken);
                var now = DateTime.UtcNow;
                batch.Add(Parse(datagram.Buffer, now));
                while (udp.Available > 0 && batch.Count < settings.Protocols.SyslogBatchSize)
                {
                    IPEndPoint? from = null;
                    batch.Add(Parse(udp.Receive(ref from), now));
                }

                await CommitAsync(batch, "udp", stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        LogEntry Parse(byte[] bytes, DateTime now) =>
            SyslogMessage.Parse(System.Text.Encoding.UTF8.GetString(bytes), now, settings.Ingestion.MaxAgentLength);
    }

    /// <summary>
    /// Until the batch commits (retrying while the store is unavailable) or the server stops. A batch refused as a
    /// whole (a new agent beyond the day's limit) is dropped with a warning: syslog has no way to tell the sender.
    /// </summary>
    private async Task CommitAsync(List<LogEntry> batch, string remote, CancellationToken stoppingToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        var delay = TimeSpan.FromMilliseconds(500);
        while (true)
        {
            try
            {
                await ingest.StoreAsync(batch, SourceKind.Syslog, stoppingToken);
                break;
            }
            catch (StoreUnavailableException e)
            {
                log.LogWarning("Syslog batch of {Count} from {Remote} not stored yet, retrying in {Delay}: {Reason}", batch.Count, remote, delay, e.Message);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
            catch (BadRequestException e)
            {
                log.LogWarning("Syslog batch of {Count} from {Remote} dropped: {Reason}", batch.Count, remote, e.Message);
                break;
            }
        }

        batch.Clear();
    }
}

public static class SyslogListenerHosting
{
    public static IServiceCollection AddSyslogListeners(this IServiceCollection services, LogAggregatorSettings settings) =>
        settings.Protocols.SyslogTcpPort > 0 || settings.Protocols.SyslogUdpPort > 0
            ? services.AddHostedService<SyslogListener>()
            : services;
}

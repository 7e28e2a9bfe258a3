using System.Threading.Channels;
using Akka.Actor;
using Akka.Hosting;
using LogAggregator.Configuration;
using LogAggregator.Model;
using LogAggregator.Querying;
using static LogAggregator.Querying.LiveTailProtocol;

namespace LogAggregator.Web.Services;

public interface ILiveTailService
{
    /// <summary>Completes once entries committed from now on reach the returned subscription.</summary>
    Task<LiveTailSubscription> SubscribeAsync(LiveTailFilter filter, CancellationToken cancellationToken);
}

/// <summary>
/// One live-tail client: the entries arrive on <see cref="Entries"/>; the channel completes with a
/// <see cref="LiveTailDroppedException"/> when the client fell <see cref="LiveTailService.BufferSize"/> entries behind.
/// </summary>
public sealed class LiveTailSubscription(ChannelReader<StoredEntry> entries, Action unsubscribe) : IAsyncDisposable
{
    public ChannelReader<StoredEntry> Entries { get; } = entries;

    public ValueTask DisposeAsync()
    {
        unsubscribe();
        return ValueTask.CompletedTask;
    }
}

public sealed class LiveTailService(IRequiredActor<LiveTail> liveTail, LogAggregatorSettings settings) : ILiveTailService
{
    /// <summary>Entries a client may have unsent before it is dropped: about a second of a busy fleet.</summary>
    public const int BufferSize = 10_000;

    public async Task<LiveTailSubscription> SubscribeAsync(LiveTailFilter filter, CancellationToken cancellationToken)
    {
        var actor = await liveTail.GetAsync(cancellationToken);
        // Wait, never drop-oldest: TryWrite then fails when the buffer is full, which is how the actor sees a slow client.
        var channel = Channel.CreateBounded<StoredEntry>(new BoundedChannelOptions(BufferSize)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = true,
        });
        var id = Guid.NewGuid();
        try
        {
            await actor.Ask<Subscribed>(new Subscribe(id, filter, channel.Writer), settings.Http.AskTimeout, cancellationToken);
        }
        catch
        {
            actor.Tell(new Unsubscribe(id));
            throw;
        }

        return new LiveTailSubscription(channel.Reader, () => actor.Tell(new Unsubscribe(id)));
    }
}

using Akka.Actor;
using LogAggregator.Storage;

namespace LogAggregator.Tests.Storage;

/// <summary>Stands in for the shard region in specs: one <see cref="AgentStore"/> child per agent key.</summary>
public sealed class LocalAgentStores : ReceiveActor
{
    public LocalAgentStores(ILogStore store)
    {
        Receive<IWithAgentId>(message =>
        {
            var name = Uri.EscapeDataString(message.AgentKey);
            var child = Context.Child(name);
            if (child.IsNobody())
            {
                child = Context.ActorOf(Props.Create(() => new AgentStore(message.AgentKey, store)), name);
            }

            child.Forward(message);
        });
    }
}

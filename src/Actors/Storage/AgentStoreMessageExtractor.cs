using Akka.Cluster.Sharding;

namespace LogAggregator.Storage;

public sealed class AgentStoreMessageExtractor() : HashCodeMessageExtractor(ShardCount)
{
    /// <summary>Never change this for a running cluster: it decides where every agent lives.</summary>
    public const int ShardCount = 100;

    public override string? EntityId(object message) => message switch
    {
        IWithAgentId m => m.AgentKey,
        _ => null,
    };
}

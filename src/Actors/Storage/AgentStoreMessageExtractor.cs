using Akka.Cluster.Sharding;
using LogAggregator.Configuration;

namespace LogAggregator.Storage;

/// <param name="shards">
/// <c>log-aggregator.cluster.shards</c>. Never change it on a running cluster: it decides which shard every agent
/// belongs to, and two nodes counting differently would each run a store for the same agent.
/// </param>
public sealed class AgentStoreMessageExtractor(int shards = ClusterSettings.DefaultShards) : HashCodeMessageExtractor(shards)
{

    public override string? EntityId(object message) => message switch
    {
        IWithAgentId m => m.AgentKey,
        _ => null,
    };
}

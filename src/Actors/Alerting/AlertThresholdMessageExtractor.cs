using Akka.Cluster.Sharding;
using LogAggregator.Configuration;

namespace LogAggregator.Alerting;

/// <param name="shards">
/// <c>log-aggregator.cluster.shards</c>. Never change it on a running cluster: it decides which shard every alert key
/// belongs to, and two nodes counting differently would each run a decider for the same key.
/// </param>
public sealed class AlertThresholdMessageExtractor(int shards = ClusterSettings.DefaultShards) : HashCodeMessageExtractor(shards)
{

    public override string? EntityId(object message) => message switch
    {
        IWithAlertKey m => AlertKeys.EntityId(m.Key),
        _ => null,
    };
}

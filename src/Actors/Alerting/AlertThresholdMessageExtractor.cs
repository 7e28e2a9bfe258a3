using Akka.Cluster.Sharding;

namespace LogAggregator.Alerting;

public sealed class AlertThresholdMessageExtractor() : HashCodeMessageExtractor(ShardCount)
{
    /// <summary>Never change this for a running cluster: it decides where every alert key lives.</summary>
    public const int ShardCount = 100;

    public override string? EntityId(object message) => message switch
    {
        IWithAlertKey m => AlertKeys.EntityId(m.Key),
        _ => null,
    };
}

using LogAggregator.Ingestion;

namespace LogAggregator.Tests.Ingestion;

public class AgentNamesTests
{
    [Theory]
    [InlineData("/tmp/cerberus.log", "CERBERUS")]
    [InlineData("/tmp/my-agent.log", "MY_AGENT")]
    [InlineData("/tmp/x_log", "X")]
    [InlineData("/var/log/hermes-log", "HERMES")]
    [InlineData("/var/log/APP.LOG", "APP")]
    [InlineData("/tmp/billing.v2.log", "BILLING.V2")]
    [InlineData("/tmp/catalog", "CATALOG")]
    [InlineData("/tmp/plain", "PLAIN")]
    [InlineData("relative/worker-2-eu.log", "WORKER_2_EU")]
    [InlineData("/tmp/.log", "UNKNOWN")]
    [InlineData("/tmp/_log", "UNKNOWN")]
    [InlineData("", "UNKNOWN")]
    public void Agent_is_the_upper_cased_file_name_without_its_log_suffix(string path, string agent)
    {
        Assert.Equal(agent, AgentNames.FromPath(path));
    }
}

using System.Net;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using LogAggregator.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace LogAggregator.Web.Tests;

/// <summary>Agent names over HTTP: slashes in the agent route, the length limit, and the bound on distinct agents per day.</summary>
public sealed class AgentNamesApiTests : IAsyncLifetime
{
    private const int MaxAgentsPerDay = 5;

    private TestHost _host = null!;
    private string _configFile = null!;

    public async Task InitializeAsync()
    {
        _configFile = Path.Combine(Path.GetTempPath(), "logagg-agents-" + Guid.NewGuid().ToString("N")[..12] + ".conf");
        await File.WriteAllTextAsync(_configFile, $"log-aggregator.storage.max-agents-per-day = {MaxAgentsPerDay}\n");
        _host = await TestHost.StartAsync(new Dictionary<string, string?> { ["LOG_AGGREGATOR_CONFIG"] = _configFile });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        File.Delete(_configFile);
    }

    [Fact]
    public async Task Agent_names_holding_a_slash_are_found_when_sent_as_percent_2F()
    {
        await _host.PostOkAsync(new { agent = "team/a", message = "slash" });
        await _host.PostOkAsync(new { agent = "team%2Fa", message = "literal percent" });

        var slash = await _host.GetJsonAsync("/api/logs/agent/team%2Fa");
        var literal = await _host.GetJsonAsync("/api/logs/agent/team%252Fa");

        Assert.Equal("team/a", slash.GetProperty("agent").GetString());
        Assert.Equal(["slash"], Messages(slash));
        Assert.Equal("team%2Fa", literal.GetProperty("agent").GetString());
        Assert.Equal(["literal percent"], Messages(literal));
        Assert.Equal(["slash"], Messages(await _host.GetJsonAsync("/api/logs/agent/TEAM%2FA?limit=5")));
    }

    [Fact]
    public async Task Agent_names_over_the_length_limit_are_refused_naming_agent_and_store_nothing()
    {
        var longest = new string('a', 256);
        var response = await _host.PostAsync(JsonSerializer.Serialize(new object[]
        {
            new { agent = "ok", message = "fine" },
            new { agent = longest + "b", message = "too long" },
        }));
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("agent", problem.GetProperty("field").GetString());
        Assert.Contains("256", problem.GetProperty("detail").GetString());
        Assert.Equal(0, (await _host.GetJsonAsync("/api/logs")).GetProperty("total").GetInt64());

        await _host.PostOkAsync(new { agent = longest, message = "at the limit" });
        Assert.Equal(1, (await _host.GetJsonAsync("/api/logs")).GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task A_new_agent_beyond_the_daily_limit_is_refused_and_gets_no_store_while_known_agents_are_accepted()
    {
        var known = Enumerable.Range(1, MaxAgentsPerDay).Select(i => $"agent-{i}").ToList();
        foreach (var agent in known)
        {
            await _host.PostOkAsync(new { agent, message = "hello" });
        }

        var response = await _host.PostAsync(JsonSerializer.Serialize(new object[]
        {
            new { agent = "AGENT-1", message = "known, other spelling" },
            new { agent = "newcomer", message = "one too many" },
        }));
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("agent", problem.GetProperty("field").GetString());
        var detail = problem.GetProperty("detail").GetString();
        Assert.Contains("newcomer", detail);
        Assert.Contains(MaxAgentsPerDay.ToString(), detail);
        Assert.Contains("max-agents-per-day", detail);
        Assert.Equal(MaxAgentsPerDay, (await _host.GetJsonAsync("/api/logs")).GetProperty("total").GetInt64());

        await _host.PostOkAsync(new { agent = "Agent-2", message = "still welcome" });
        Assert.Equal(MaxAgentsPerDay + 1, (await _host.GetJsonAsync("/api/logs")).GetProperty("total").GetInt64());

        // The admitted agents have a store entity each (the positive control); the refused one never got one.
        var entities = await AgentStoreEntitiesAsync();
        Assert.All(known, agent => Assert.Contains(agent.ToUpperInvariant(), entities));
        Assert.DoesNotContain("NEWCOMER", entities);
    }

    private async Task<HashSet<string>> AgentStoreEntitiesAsync()
    {
        var region = _host.Services.GetRequiredService<ActorRegistry>().Get<AgentStore>();
        var state = await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(10));
        return state.Shards.SelectMany(s => s.EntityIds).ToHashSet(StringComparer.Ordinal);
    }

    private static List<string?> Messages(JsonElement page) =>
        page.GetProperty("logs").EnumerateArray().Select(e => e.GetProperty("message").GetString()).ToList();
}

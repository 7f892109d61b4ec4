using System.Net;
using System.Text.Json.Nodes;
using Qdhcp.Engine.Dhcp4;
using Qdhcp.Leases;
using Qdhcp.Wire.Dhcp4;

namespace Qdhcp.Api.Tests;

/// <summary>List filters as Neutron's, the token rules, /healthz and /metrics.</summary>
public sealed class QueryAndAccessTests
{
    private static async Task<TestAgent> WithPortsAsync()
    {
        TestAgent agent = await TestAgent.StartAsync();
        (string n1, _) = await agent.CreateNetworkAsync("n1", "10.10.10.0/24");
        (string n2, _) = await agent.CreateNetworkAsync("n2", "10.20.0.0/24");
        await agent.PostAsync("/v2.0/ports", $$$"""{"port": {"network_id": "{{{n1}}}", "name": "a", "mac_address": "fa:16:3e:00:00:0a", "fixed_ips": [{"ip_address": "10.10.10.2"}], "device_owner": "compute:nova"}}""");
        await agent.PostAsync("/v2.0/ports", $$$"""{"port": {"network_id": "{{{n1}}}", "name": "b", "mac_address": "fa:16:3e:00:00:0b", "fixed_ips": [{"ip_address": "10.10.10.3"}], "device_owner": "network:dhcp"}}""");
        await agent.PostAsync("/v2.0/ports", $$$"""{"port": {"network_id": "{{{n2}}}", "name": "c", "mac_address": "fa:16:3e:00:00:0c", "fixed_ips": [{"ip_address": "10.20.0.2"}], "admin_state_up": false}}""");
        return agent;
    }

    private static async Task<string[]> NamesAsync(TestAgent agent, string query)
    {
        (int status, JsonNode? body) = await agent.GetAsync("/v2.0/ports" + query);
        Assert.Equal(200, status);
        return [.. body!["ports"]!.AsArray().Select(p => (string)p!["name"]!)];
    }

    [Fact]
    public async Task PortList_Filters_AsNeutron()
    {
        await using TestAgent agent = await WithPortsAsync();
        string n1 = (await agent.Store.ListNetworksAsync(TestContext.Current.CancellationToken))[0].Id;
        Assert.Equal(["a", "b", "c"], await NamesAsync(agent, ""));
        Assert.Equal(["a", "b"], await NamesAsync(agent, "?network_id=" + n1));
        Assert.Equal(["a"], await NamesAsync(agent, "?mac_address=FA:16:3E:00:00:0A"));
        Assert.Equal(["a", "c"], await NamesAsync(agent, "?name=a&name=c"));
        Assert.Equal(["a"], await NamesAsync(agent, "?name=a&name=c&network_id=" + n1));
        Assert.Equal(["b"], await NamesAsync(agent, "?device_owner=network%3Adhcp"));
        Assert.Equal(["b"], await NamesAsync(agent, "?fixed_ips=ip_address%3D10.10.10.3"));
        Assert.Equal(["b", "c"], await NamesAsync(agent, "?fixed_ips=ip_address%3D10.10.10.3&fixed_ips=ip_address%3D10.20.0.2"));
        Assert.Equal(["c"], await NamesAsync(agent, "?admin_state_up=False"));
        Assert.Empty(await NamesAsync(agent, "?name=zzz"));
        Assert.Equal(["b"], await NamesAsync(agent, "?limit=1&marker=" + (await agent.Store.ListPortsAsync(null, TestContext.Current.CancellationToken))[0].Id));

        (int status, JsonNode? body) = await agent.GetAsync("/v2.0/ports?fields=id&fields=name&name=a");
        Assert.Equal(200, status);
        Assert.Equal(["id", "name"], body!["ports"]![0]!.AsObject().Select(p => p.Key).Order());

        (status, body) = await agent.GetAsync("/v2.0/ports?colour=red");
        Assert.Equal(400, status);
        Assert.Equal("[colour] is invalid attribute for filtering", (string?)body!["NeutronError"]!["message"]);
    }

    [Fact]
    public async Task NetworkAndSubnetList_Filters()
    {
        await using TestAgent agent = await WithPortsAsync();
        (_, JsonNode? body) = await agent.GetAsync("/v2.0/networks?name=n2");
        Assert.Equal("n2", (string?)Assert.Single(body!["networks"]!.AsArray())!["name"]);
        (_, body) = await agent.GetAsync("/v2.0/subnets?cidr=10.20.0.0/24");
        Assert.Equal("n2-s", (string?)Assert.Single(body!["subnets"]!.AsArray())!["name"]);
        (_, body) = await agent.GetAsync("/v2.0/subnets?ip_version=4&enable_dhcp=true");
        Assert.Equal(2, body!["subnets"]!.AsArray().Count);
    }

    [Fact]
    public async Task Token_Required_WhenConfigured()
    {
        await using TestAgent agent = await TestAgent.StartAsync(token: "s3cret");
        using HttpClient anonymous = new() { BaseAddress = agent.BaseUri };
        CancellationToken ct = TestContext.Current.CancellationToken;

        using HttpResponseMessage denied = await anonymous.GetAsync("/v2.0/networks", ct);
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        Assert.Contains("X-Auth-Token", await denied.Content.ReadAsStringAsync(ct));

        using HttpRequestMessage wrong = new(HttpMethod.Get, "/v2.0/networks") { Headers = { { "X-Auth-Token", "s3cret!" } } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(wrong, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics", ct)).StatusCode);

        // Version discovery and health are open, as Neutron's version documents are.
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/v2.0/", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz", ct)).StatusCode);

        (int status, _) = await agent.GetAsync("/v2.0/networks");
        Assert.Equal(200, status);
        using HttpRequestMessage bearer = new(HttpMethod.Get, "/metrics") { Headers = { { "Authorization", "Bearer s3cret" } } };
        Assert.Equal(HttpStatusCode.OK, (await anonymous.SendAsync(bearer, ct)).StatusCode);
    }

    [Fact]
    public async Task Token_NotNeededOnLoopbackWithoutOne()
    {
        await using TestAgent agent = await TestAgent.StartAsync();
        (int status, _) = await agent.GetAsync("/v2.0/networks");
        Assert.Equal(200, status);
    }

    [Fact]
    public async Task NonLoopback_WithoutToken_Refused()
    {
        AgentApiConfigurationException ex = await Assert.ThrowsAsync<AgentApiConfigurationException>(() => TestAgent.StartAsync(listen: "0.0.0.0:0"));
        Assert.Contains("QDHCP_API_TOKEN", ex.Message);
        await Assert.ThrowsAsync<AgentApiConfigurationException>(() => TestAgent.StartAsync(listen: "localhost:9696"));
        await Assert.ThrowsAsync<AgentApiConfigurationException>(() => TestAgent.StartAsync(listen: "127.0.0.1"));
    }

    [Fact]
    public async Task NonLoopback_WithToken_Serves()
    {
        await using TestAgent agent = await TestAgent.StartAsync(token: "t", listen: "0.0.0.0:0");
        using HttpClient client = new() { BaseAddress = new Uri($"http://127.0.0.1:{agent.BaseUri.Port}") };
        client.DefaultRequestHeaders.Add("X-Auth-Token", "t");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v2.0/networks", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task TokenFile_FirstLine_EmptyRefused()
    {
        string file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, "abc\n", TestContext.Current.CancellationToken);
            Assert.Equal("abc", await AgentApiOptions.LoadTokenAsync(file, TestContext.Current.CancellationToken));
            await File.WriteAllTextAsync(file, "\n", TestContext.Current.CancellationToken);
            await Assert.ThrowsAsync<AgentApiConfigurationException>(() => AgentApiOptions.LoadTokenAsync(file, TestContext.Current.CancellationToken));
            await Assert.ThrowsAsync<AgentApiConfigurationException>(() => AgentApiOptions.LoadTokenAsync(file + ".missing", TestContext.Current.CancellationToken));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Healthz_FollowsRuntime()
    {
        FakeRuntime runtime = new();
        await using TestAgent agent = await TestAgent.StartAsync(runtime: runtime);
        (int status, JsonNode? body) = await agent.GetAsync("/healthz");
        Assert.Equal(200, status);
        Assert.Equal("ok", (string?)body!["status"]);
        runtime.Health = new AgentHealth(false, "network n1: namespace missing", 1);
        (status, body) = await agent.GetAsync("/healthz");
        Assert.Equal(503, status);
        Assert.Equal("network n1: namespace missing", (string?)body!["status"]);
    }

    [Fact]
    public async Task Metrics_PerNetworkCounters()
    {
        FakeRuntime runtime = new();
        Dhcp4Counters counters = new();
        counters.Record(new Dhcp4EngineResult(Dhcp4MessageType.Discover, Dhcp4MessageType.Offer, 300, default, Dhcp4DropReason.None, Dhcp4LeaseChange.None));
        counters.Record(new Dhcp4EngineResult(Dhcp4MessageType.Request, Dhcp4MessageType.Ack, 300, default, Dhcp4DropReason.None, Dhcp4LeaseChange.Bound));
        counters.Record(new Dhcp4EngineResult(Dhcp4MessageType.Request, Dhcp4MessageType.Nak, 300, default, Dhcp4DropReason.None, Dhcp4LeaseChange.None));
        counters.Record(Dhcp4EngineResult.Drop(Dhcp4MessageType.Discover, Dhcp4DropReason.UnknownClient));
        counters.Record(Dhcp4EngineResult.Drop(Dhcp4MessageType.None, Dhcp4DropReason.Malformed));
        runtime.Counters["net-a"] = counters;
        runtime.Journals["net-a"] = new LeaseJournalCounters(Commits: 9, CommitFailures: 3, Compactions: 1, CompactionFailures: 2, RefusedBindings: 4, JournalBytes: 700, Healthy: false);
        await using TestAgent agent = await TestAgent.StartAsync(runtime: runtime);

        string text = await agent.Http.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        Assert.Contains("qdhcp_dhcp_packets_received_total{network_id=\"net-a\",message_type=\"DISCOVER\"} 2", text);
        Assert.Contains("qdhcp_dhcp_packets_received_total{network_id=\"net-a\",message_type=\"REQUEST\"} 2", text);
        Assert.Contains("qdhcp_dhcp_packets_sent_total{network_id=\"net-a\",message_type=\"OFFER\"} 1", text);
        Assert.Contains("qdhcp_dhcp_offers_total{network_id=\"net-a\"} 1", text);
        Assert.Contains("qdhcp_dhcp_acks_total{network_id=\"net-a\"} 1", text);
        Assert.Contains("qdhcp_dhcp_naks_total{network_id=\"net-a\"} 1", text);
        Assert.Contains("qdhcp_dhcp_ignored_total{network_id=\"net-a\",reason=\"unknown_client\"} 1", text);
        Assert.Contains("qdhcp_dhcp_malformed_total{network_id=\"net-a\"} 1", text);
        Assert.Contains("qdhcp_networks_served 1", text);
        Assert.Contains("qdhcp_lease_journal_write_failures_total{network_id=\"net-a\"} 3", text);
        Assert.Contains("qdhcp_lease_journal_refused_bindings_total{network_id=\"net-a\"} 4", text);
        Assert.Contains("qdhcp_lease_journal_healthy{network_id=\"net-a\"} 0", text);
        Assert.Contains("qdhcp_lease_compaction_failures_total{network_id=\"net-a\"} 2", text);
        Assert.Contains("qdhcp_lease_journal_bytes{network_id=\"net-a\"} 700", text);

        // A restarted server (fresh counters) resets its series; a network gone loses them.
        runtime.Counters["net-a"] = new Dhcp4Counters();
        text = await agent.Http.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        Assert.Contains("qdhcp_dhcp_offers_total{network_id=\"net-a\"} 0", text);
        runtime.Counters.Clear();
        runtime.Journals.Clear();
        text = await agent.Http.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        Assert.DoesNotContain("net-a", text);
        Assert.Contains("qdhcp_networks_served 0", text);
    }
}

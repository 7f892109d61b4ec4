using System.Text.Json.Nodes;

namespace Qdhcp.Api.Tests;

/// <summary>Bad input: 400 with the field and the reason in Neutron's shape, 404 and 409 where Neutron has them, nothing written.</summary>
public sealed class BadInputTests
{
    private static void AssertError(int expectedStatus, string expectedType, string messagePart, (int Status, JsonNode? Body) response)
    {
        Assert.Equal(expectedStatus, response.Status);
        JsonNode error = response.Body!["NeutronError"]!;
        Assert.Equal(expectedType, (string?)error["type"]);
        Assert.Contains(messagePart, (string?)error["message"]);
        Assert.Equal("", (string?)error["detail"]);
    }

    [Theory]
    [InlineData("10.10.10.0/33", "Invalid input for cidr. Reason:")]
    [InlineData("10.10.10.5/24", "Invalid input for cidr. Reason: 10.10.10.5/24 has host bits set")]
    [InlineData("not-a-cidr", "Invalid input for cidr.")]
    [InlineData("fd00::/64", "Invalid input for cidr.")]
    public async Task SubnetCreate_BadCidr_400NamesCidr(string cidr, string message)
    {
        await using TestAgent agent = await TestAgent.StartAsync();
        (string networkId, _) = await agent.CreateNetworkAsync(cidr: null);
        AssertError(400, "HTTPBadRequest", message,
            await agent.PostAsync("/v2.0/subnets", $$$"""{"subnet": {"network_id": "{{{networkId}}}", "cidr": "{{{cidr}}}", "ip_version": 4}}"""));
        Assert.Empty(await agent.Store.ListSubnetsAsync(null, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task SubnetCreate_Ipv6Version_400()
    {
        await using TestAgent agent = await TestAgent.StartAsync();
        (string networkId, _) = await agent.CreateNetworkAsync(cidr: null);
        AssertError(400, "HTTPBadRequest", "Invalid input for ip_version. Reason: IPv6",
            await agent.PostAsync("/v2.0/subnets", $$$"""{"subnet": {"network_id": "{{{networkId}}}", "cidr": "fd00::/64", "ip_version": 6}}"""));
    }

    [Fact]
    public async Task PortCreate_BadMac_400NamesMac()
    {
        await using TestAgent agent = await TestAgent.StartAsync();
        (string networkId, _) = await agent.CreateNetworkAsync();
        AssertError(400, "HTTPBadRequest", "Invalid input for mac_address. Reason: fa:16:3e:zz:00:01",
            await agent.PostAsync("/v2.0/ports", $$$"""{"port": {"network_id": "{{{networkId}}}", "mac_address": "fa:16:3e:zz:00:01"}}"""));
        Assert.Empty(await agent.Store.ListPortsAsync(null, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task PortCreate_IpOutsideSubnet_400NamesFixedIps()
    {
        await using TestAgent agent = await TestAgent.StartAsync();
        (string networkId, string? subnetId) = await agent.CreateNetworkAsync();
        AssertError(400, "HTTPBadRequest", "Invalid input for fixed_ips. Reason: 10.99.0.2",
            await agent.PostAsync("/v2.0/ports", $$$"""{"port": {"network_id": "{{{networkId}}}", "fixed_ips": [{"subnet_id": "{{{subnetId}}}", "ip_address": "10.99.0.2"}]}}"""));
        AssertError(400, "HTTPBadRequest", "Invalid input for fixed_ips.",
            await agent.PostAsync("/v2.0/ports", $$$"""{"port": {"network_id": "{{{networkId}}}", "fixed_ips": [{"ip_address": "10.99.0.2"}]}}"""));
        Assert.Empty(await agent.Store.ListPortsAsync(null, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task PortCreate_DuplicateIp_409AndNothingWritten()
    {
        await using TestAgent agent = await TestAgent.StartAsync();
        (string networkId, _) = await agent.CreateNetworkAsync();
        (int status, _) = await agent.PostAsync("/v2.0/ports", $$$"""{"port": {"network_id": "{{{networkId}}}", "name": "a", "fixed_ips": [{"ip_address": "10.10.10.2"}]}}""");
        Assert.Equal(201, status);
        AssertError(409, "IpAddressAlreadyAllocated", "10.10.10.2",
            await agent.PostAsync("/v2.0/ports", $$$"""{"port": {"network_id": "{{{networkId}}}", "name": "b", "fixed_ips": [{"ip_address": "10.10.10.2"}]}}"""));

        // Nothing half-written: a port whose second address clashes is not created with its first one.
        AssertError(409, "IpAddressAlreadyAllocated", "10.10.10.2",
            await agent.PostAsync("/v2.0/ports", $$$"""{"port": {"network_id": "{{{networkId}}}", "name": "c", "fixed_ips": [{"ip_address": "10.10.10.7"}, {"ip_address": "10.10.10.2"}]}}"""));
        (_, JsonNode? body) = await agent.GetAsync("/v2.0/ports");
        JsonNode port = Assert.Single(body!["ports"]!.AsArray())!;
        Assert.Equal("a", (string?)port["name"]);
        (_, body) = await agent.GetAsync("/v2.0/ports?fixed_ips=ip_address%3D10.10.10.7");
        Assert.Empty(body!["ports"]!.AsArray());
    }

    [Fact]
    public async Task PortUpdate_Rejected_PortUnchanged()
    {
        await using TestAgent agent = await TestAgent.StartAsync();
        (string networkId, _) = await agent.CreateNetworkAsync();
        (_, JsonNode? a) = await agent.PostAsync("/v2.0/ports", $$$"""{"port": {"network_id": "{{{networkId}}}", "name": "a", "fixed_ips": [{"ip_address": "10.10.10.2"}]}}""");
        (_, JsonNode? b) = await agent.PostAsync("/v2.0/ports", $$$"""{"port": {"network_id": "{{{networkId}}}", "name": "b", "mac_address": "fa:16:3e:00:00:0b", "fixed_ips": [{"ip_address": "10.10.10.3"}]}}""");
        string bId = (string)b!["port"]!["id"]!;

        // The name would be fine, the address is taken: neither changes.
        AssertError(409, "IpAddressAlreadyAllocated", "10.10.10.2",
            await agent.PutAsync($"/v2.0/ports/{bId}", """{"port": {"name": "renamed", "fixed_ips": [{"ip_address": "10.10.10.2"}]}}"""));
        // A bad field after a good one: the good one is not applied either.
        AssertError(400, "HTTPBadRequest", "Invalid input for admin_state_up.",
            await agent.PutAsync($"/v2.0/ports/{bId}", """{"port": {"name": "renamed", "admin_state_up": "maybe"}}"""));
        AssertError(409, "MacAddressInUse", "",
            await agent.PutAsync($"/v2.0/ports/{(string)a!["port"]!["id"]!}", """{"port": {"name": "renamed", "mac_address": "fa:16:3e:00:00:0b"}}"""));

        (_, JsonNode? shown) = await agent.GetAsync($"/v2.0/ports/{bId}");
        Assert.Equal("b", (string?)shown!["port"]!["name"]);
        Assert.Equal("10.10.10.3", (string?)shown["port"]!["fixed_ips"]![0]!["ip_address"]);
        Assert.True((bool)shown["port"]!["admin_state_up"]!);
    }

    [Fact]
    public async Task UnknownNetwork_404()
    {
        await using TestAgent agent = await TestAgent.StartAsync();
        AssertError(404, "NetworkNotFound", "Network 4c3f4b5e-0000-4000-8000-000000000000 could not be found.",
            await agent.PostAsync("/v2.0/subnets", """{"subnet": {"network_id": "4c3f4b5e-0000-4000-8000-000000000000", "cidr": "10.0.0.0/24", "ip_version": 4}}"""));
        AssertError(404, "NetworkNotFound", "could not be found",
            await agent.PostAsync("/v2.0/ports", """{"port": {"network_id": "4c3f4b5e-0000-4000-8000-000000000000"}}"""));
        AssertError(404, "NetworkNotFound", "could not be found",
            await agent.PutAsync("/v2.0/networks/nope", """{"network": {"name": "x"}}"""));
        AssertError(404, "NetworkNotFound", "could not be found", await agent.DeleteAsync("/v2.0/networks/nope"));
    }

    [Theory]
    [InlineData("{\"network\": {\"name\": \"x\"", "Malformed request body")]
    [InlineData("not json", "Malformed request body")]
    [InlineData("[]", "Malformed request body")]
    [InlineData("{\"name\": \"x\"}", "Resource body required")]
    [InlineData("{\"networks\": [{\"name\": \"x\"}]}", "Bulk operations on networks are not supported")]
    [InlineData("{\"network\": {\"name\": \"x\", \"colour\": \"red\"}}", "Unrecognized attribute(s) 'colour'")]
    [InlineData("{\"network\": {\"name\": 5}}", "Invalid input for name. Reason: 5 is not a valid string.")]
    [InlineData("{\"network\": {\"mtu\": \"big\"}}", "Invalid input for mtu. Reason: 'big' is not an integer.")]
    [InlineData("{\"network\": {\"mtu\": 20}}", "Invalid input for mtu. Reason: 20 is out of range")]
    [InlineData("{\"network\": {\"shared\": true}}", "Invalid input for shared. Reason:")]
    [InlineData("{\"network\": {\"description\": \"hello\"}}", "Invalid input for description. Reason:")]
    [InlineData("{\"network\": {\"qdhcp:bridge\": \"a/b\"}}", "Invalid input for qdhcp:bridge.")]
    public async Task NetworkCreate_BadBody_400WithMessage(string json, string message)
    {
        await using TestAgent agent = await TestAgent.StartAsync();
        AssertError(400, "HTTPBadRequest", message, await agent.PostAsync("/v2.0/networks", json));
        Assert.Empty(await agent.Store.ListNetworksAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("{\"subnet\": {\"cidr\": \"10.1.0.0/24\"}}", "Cannot update read-only attribute cidr")]
    [InlineData("{\"subnet\": {\"network_id\": \"x\"}}", "Cannot update read-only attribute network_id")]
    [InlineData("{\"subnet\": {\"gateway_ip\": \"10.99.0.1\"}}", "Invalid input for gateway_ip.")]
    [InlineData("{\"subnet\": {\"allocation_pools\": [{\"start\": \"10.10.10.50\"}]}}", "Invalid input for allocation_pools. Reason: 'end' is required")]
    [InlineData("{\"subnet\": {\"allocation_pools\": [{\"start\": \"10.10.10.50\", \"end\": \"10.10.11.9\"}]}}", "Invalid input for allocation_pools.")]
    [InlineData("{\"subnet\": {\"dns_nameservers\": \"8.8.8.8\"}}", "Invalid input for dns_nameservers. Reason: '8.8.8.8' is not a list.")]
    [InlineData("{\"subnet\": {\"dns_nameservers\": [\"8.8.8.300\"]}}", "Invalid input for dns_nameservers.")]
    public async Task SubnetUpdate_BadBody_400SubnetUnchanged(string json, string message)
    {
        await using TestAgent agent = await TestAgent.StartAsync();
        (_, string? subnetId) = await agent.CreateNetworkAsync();
        (_, JsonNode? before) = await agent.GetAsync($"/v2.0/subnets/{subnetId}");
        AssertError(400, "HTTPBadRequest", message, await agent.PutAsync($"/v2.0/subnets/{subnetId}", json));
        (_, JsonNode? after) = await agent.GetAsync($"/v2.0/subnets/{subnetId}");
        Assert.Equal(before!.ToJsonString(), after!.ToJsonString());
    }

    [Theory]
    [InlineData("{\"port\": {\"fixed_ips\": [{\"ip\": \"10.10.10.2\"}]}}", "Invalid input for fixed_ips. Reason: unexpected key 'ip'")]
    [InlineData("{\"port\": {\"fixed_ips\": [{}]}}", "Invalid input for fixed_ips.")]
    [InlineData("{\"port\": {\"fixed_ips\": [{\"ip_address\": \"10.10.10.300\"}]}}", "Invalid input for fixed_ips.")]
    [InlineData("{\"port\": {\"extra_dhcp_opts\": [{\"opt_value\": \"1\"}]}}", "Invalid input for extra_dhcp_opts. Reason: 'opt_name' is required")]
    [InlineData("{\"port\": {\"extra_dhcp_opts\": [{\"opt_name\": \"mtu\", \"opt_value\": \"x\"}]}}", "Invalid input for extra_dhcp_opts.")]
    [InlineData("{\"port\": {\"dns_name\": \"-bad-\"}}", "Invalid input for dns_name.")]
    [InlineData("{\"port\": {\"security_groups\": [\"default\"]}}", "Invalid input for security_groups.")]
    [InlineData("{\"port\": {\"binding:host_id\": \"compute1\"}}", "Invalid input for binding:host_id.")]
    public async Task PortCreate_BadBody_400NothingWritten(string json, string message)
    {
        await using TestAgent agent = await TestAgent.StartAsync();
        (string networkId, _) = await agent.CreateNetworkAsync();
        JsonObject body = JsonNode.Parse(json)!.AsObject();
        body["port"]!["network_id"] = networkId;
        AssertError(400, "HTTPBadRequest", message, await agent.PostAsync("/v2.0/ports", body.ToJsonString()));
        Assert.Empty(await agent.Store.ListPortsAsync(null, TestContext.Current.CancellationToken));
    }
}

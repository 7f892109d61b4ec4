using System.Text.Json.Nodes;

namespace Qdhcp.Api.Tests;

/// <summary>Create, list, show, update and delete of each resource, with Neutron's bodies.</summary>
public sealed class ResourceTests
{
    [Fact]
    public async Task Network_Crud_NeutronShape()
    {
        await using TestAgent agent = await TestAgent.StartAsync();
        (int status, JsonNode? body) = await agent.PostAsync("/v2.0/networks", """{"network": {"name": "n1", "mtu": 1450}}""");
        Assert.Equal(201, status);
        JsonNode network = body!["network"]!;
        string id = (string)network["id"]!;
        Assert.Equal("n1", (string?)network["name"]);
        Assert.Equal(1450, (int)network["mtu"]!);
        Assert.True((bool)network["admin_state_up"]!);
        Assert.Equal("ACTIVE", (string?)network["status"]);
        Assert.False((bool)network["shared"]!);
        Assert.False((bool)network["router:external"]!);
        Assert.Empty(network["subnets"]!.AsArray());
        Assert.Equal("brq" + id[..11], (string?)network["qdhcp:bridge"]);
        foreach (string field in new[] { "tenant_id", "project_id", "created_at", "updated_at", "revision_number", "tags", "description", "availability_zones" })
        {
            Assert.True(network.AsObject().ContainsKey(field), field);
        }

        (status, body) = await agent.GetAsync("/v2.0/networks");
        Assert.Equal(200, status);
        Assert.Equal(id, (string?)body!["networks"]![0]!["id"]);

        (status, body) = await agent.PutAsync($"/v2.0/networks/{id}", """{"network": {"name": "n2", "admin_state_up": false}}""");
        Assert.Equal(200, status);
        Assert.Equal("n2", (string?)body!["network"]!["name"]);
        Assert.False((bool)body["network"]!["admin_state_up"]!);
        Assert.Equal(1450, (int)body["network"]!["mtu"]!);

        (status, body) = await agent.GetAsync($"/v2.0/networks/{id}");
        Assert.Equal(200, status);
        Assert.Equal("n2", (string?)body!["network"]!["name"]);

        (status, _) = await agent.DeleteAsync($"/v2.0/networks/{id}");
        Assert.Equal(204, status);
        (status, body) = await agent.GetAsync($"/v2.0/networks/{id}");
        Assert.Equal(404, status);
        Assert.Equal("NetworkNotFound", (string?)body!["NeutronError"]!["type"]);
        Assert.Equal($"Network {id} could not be found.", (string?)body["NeutronError"]!["message"]);
        Assert.Equal("", (string?)body["NeutronError"]!["detail"]);
    }

    [Fact]
    public async Task Subnet_Crud_DefaultsAsNeutron()
    {
        await using TestAgent agent = await TestAgent.StartAsync();
        (string networkId, _) = await agent.CreateNetworkAsync(cidr: null);
        (int status, JsonNode? body) = await agent.PostAsync("/v2.0/subnets",
            $$$"""{"subnet": {"network_id": "{{{networkId}}}", "cidr": "10.10.10.0/24", "ip_version": 4, "name": "s1", "dns_nameservers": ["10.10.10.3"]}}""");
        Assert.Equal(201, status);
        JsonNode subnet = body!["subnet"]!;
        string id = (string)subnet["id"]!;
        Assert.Equal("10.10.10.1", (string?)subnet["gateway_ip"]);
        Assert.Equal("10.10.10.2", (string?)subnet["allocation_pools"]![0]!["start"]);
        Assert.Equal("10.10.10.254", (string?)subnet["allocation_pools"]![0]!["end"]);
        Assert.True((bool)subnet["enable_dhcp"]!);
        Assert.Equal(4, (int)subnet["ip_version"]!);
        Assert.Equal(networkId, (string?)subnet["network_id"]);
        Assert.Equal("10.10.10.3", (string?)subnet["dns_nameservers"]![0]);
        Assert.Equal(86400, (int)subnet["qdhcp:lease_seconds"]!);

        (status, body) = await agent.GetAsync($"/v2.0/networks/{networkId}");
        Assert.Equal(id, (string?)body!["network"]!["subnets"]![0]);

        (status, body) = await agent.PutAsync($"/v2.0/subnets/{id}",
            """{"subnet": {"name": "s2", "gateway_ip": null, "host_routes": [{"destination": "10.20.0.0/16", "nexthop": "10.10.10.254"}], "qdhcp:lease_seconds": 600}}""");
        Assert.Equal(200, status);
        JsonNode updated = body!["subnet"]!;
        Assert.Equal("s2", (string?)updated["name"]);
        Assert.Null(updated["gateway_ip"]);
        Assert.Equal("10.20.0.0/16", (string?)updated["host_routes"]![0]!["destination"]);
        Assert.Equal(600, (int)updated["qdhcp:lease_seconds"]!);

        (status, body) = await agent.GetAsync("/v2.0/subnets");
        Assert.Single(body!["subnets"]!.AsArray());

        (status, _) = await agent.DeleteAsync($"/v2.0/subnets/{id}");
        Assert.Equal(204, status);
        (status, body) = await agent.GetAsync($"/v2.0/subnets/{id}");
        Assert.Equal(404, status);
        Assert.Equal("SubnetNotFound", (string?)body!["NeutronError"]!["type"]);
    }

    [Fact]
    public async Task Port_Crud_AllocatesAndUpdates()
    {
        await using TestAgent agent = await TestAgent.StartAsync();
        (string networkId, string? subnetId) = await agent.CreateNetworkAsync();
        (int status, JsonNode? body) = await agent.PostAsync("/v2.0/ports",
            $$$"""{"port": {"network_id": "{{{networkId}}}", "name": "vm1", "mac_address": "FA:16:3E:FE:C7:87", "fixed_ips": [{"ip_address": "10.10.10.2"}], "device_owner": "compute:nova", "dns_name": "vm1"}}""");
        Assert.Equal(201, status);
        JsonNode port = body!["port"]!;
        string id = (string)port["id"]!;
        Assert.Equal("fa:16:3e:fe:c7:87", (string?)port["mac_address"]);
        Assert.Equal(subnetId, (string?)port["fixed_ips"]![0]!["subnet_id"]);
        Assert.Equal("10.10.10.2", (string?)port["fixed_ips"]![0]!["ip_address"]);
        Assert.Equal("compute:nova", (string?)port["device_owner"]);
        Assert.Equal("vm1", (string?)port["dns_name"]);
        Assert.Equal("ACTIVE", (string?)port["status"]);
        Assert.Equal("", (string?)port["binding:host_id"]);

        // No MAC, no fixed IP: a fa:16:3e MAC and the next free address.
        (status, body) = await agent.PostAsync("/v2.0/ports", $$$"""{"port": {"network_id": "{{{networkId}}}"}}""");
        Assert.Equal(201, status);
        Assert.StartsWith("fa:16:3e:", (string?)body!["port"]!["mac_address"]);
        Assert.Equal("10.10.10.3", (string?)body["port"]!["fixed_ips"]![0]!["ip_address"]);

        (status, body) = await agent.PutAsync($"/v2.0/ports/{id}",
            """{"port": {"name": "vm1b", "fixed_ips": [{"ip_address": "10.10.10.9"}], "extra_dhcp_opts": [{"opt_name": "mtu", "opt_value": "1400"}, {"opt_name": "domain-name", "opt_value": "example.org"}]}}""");
        Assert.Equal(200, status);
        Assert.Equal("vm1b", (string?)body!["port"]!["name"]);
        Assert.Equal("10.10.10.9", (string?)body["port"]!["fixed_ips"]![0]!["ip_address"]);
        Assert.Equal(2, body["port"]!["extra_dhcp_opts"]!.AsArray().Count);

        // Neutron's extra_dhcp_opts update: named options change, a null value removes, others stay.
        (status, body) = await agent.PutAsync($"/v2.0/ports/{id}", """{"port": {"extra_dhcp_opts": [{"opt_name": "mtu", "opt_value": null}]}}""");
        Assert.Equal(200, status);
        JsonArray opts = body!["port"]!["extra_dhcp_opts"]!.AsArray();
        Assert.Equal("domain-name", (string?)Assert.Single(opts)!["opt_name"]);

        (status, body) = await agent.GetAsync($"/v2.0/ports/{id}");
        Assert.Equal("vm1b", (string?)body!["port"]!["name"]);

        (status, _) = await agent.DeleteAsync($"/v2.0/ports/{id}");
        Assert.Equal(204, status);
        (status, body) = await agent.GetAsync($"/v2.0/ports/{id}");
        Assert.Equal(404, status);
        Assert.Equal("PortNotFound", (string?)body!["NeutronError"]!["type"]);
        (status, _) = await agent.DeleteAsync($"/v2.0/ports/{id}");
        Assert.Equal(404, status);
    }

    [Fact]
    public async Task Leases_FromStoreOrRuntime()
    {
        FakeRuntime runtime = new();
        await using TestAgent agent = await TestAgent.StartAsync(runtime: runtime);
        (string networkId, _) = await agent.CreateNetworkAsync();
        await agent.Store.SaveLeasesAsync(networkId, [new(0, Wire.Primitives.MacAddress.Parse("fa:16:3e:00:00:01"), Wire.Primitives.IPv4Address.Parse("10.10.10.5"), "vm5", [1, 0xfa, 0x16])], TestContext.Current.CancellationToken);

        (int status, JsonNode? body) = await agent.GetAsync($"/v2.0/qdhcp/networks/{networkId}/leases");
        Assert.Equal(200, status);
        JsonNode lease = Assert.Single(body!["leases"]!.AsArray())!;
        Assert.Equal("fa:16:3e:00:00:01", (string?)lease["mac_address"]);
        Assert.Equal("10.10.10.5", (string?)lease["ip_address"]);
        Assert.Equal("vm5", (string?)lease["hostname"]);
        Assert.Equal("01:fa:16", (string?)lease["client_id"]);
        Assert.Null(lease["expires_at"]);

        runtime.Leases[networkId] = [new(1_800_000_000, Wire.Primitives.MacAddress.Parse("fa:16:3e:00:00:02"), Wire.Primitives.IPv4Address.Parse("10.10.10.6"), null, null)];
        (_, body) = await agent.GetAsync($"/v2.0/qdhcp/networks/{networkId}/leases");
        lease = Assert.Single(body!["leases"]!.AsArray())!;
        Assert.Equal("10.10.10.6", (string?)lease["ip_address"]);
        Assert.Equal("2027-01-15T08:00:00Z", (string?)lease["expires_at"]);

        (status, body) = await agent.GetAsync("/v2.0/qdhcp/networks/nope/leases");
        Assert.Equal(404, status);
        Assert.Equal("NetworkNotFound", (string?)body!["NeutronError"]!["type"]);
    }

    [Fact]
    public async Task Extensions_ListAndSingle()
    {
        await using TestAgent agent = await TestAgent.StartAsync();
        (int status, JsonNode? body) = await agent.GetAsync("/v2.0/extensions");
        Assert.Equal(200, status);
        Assert.Contains(body!["extensions"]!.AsArray(), e => (string?)e!["alias"] == "extra_dhcp_opt");
        (status, _) = await agent.GetAsync("/v2.0/extensions/extra_dhcp_opt");
        Assert.Equal(200, status);
        (status, body) = await agent.GetAsync("/v2.0/extensions/tag-ports-during-bulk-creation");
        Assert.Equal(404, status);
        Assert.NotNull(body!["NeutronError"]);
        (status, body) = await agent.GetAsync("/v2.0/routers");
        Assert.Equal(404, status);
        Assert.Equal("HTTPNotFound", (string?)body!["NeutronError"]!["type"]);
        (status, body) = await agent.GetAsync("/v2.0/");
        Assert.Equal(200, status);
        Assert.Equal(3, body!["resources"]!.AsArray().Count);
    }
}

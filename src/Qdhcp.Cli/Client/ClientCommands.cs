using System.CommandLine;
using System.Text.Json.Nodes;

namespace Qdhcp.Cli.Client;

/// <summary>
/// The client commands, talking to a running <c>qdhcp agent</c> over its API:
/// <code>
/// qdhcp network create|list|show|delete      qdhcp subnet create|list|show|delete
/// qdhcp port create|list|show|delete         qdhcp lease list --network N
/// </code>
/// Every one takes <c>--endpoint</c> (default http://127.0.0.1:9696, or $QDHCP_ENDPOINT), <c>--token</c> (or
/// $QDHCP_API_TOKEN) and <c>--json</c>. Networks, subnets and ports are named by id or by (unique) name. Exit code 0
/// on success, 1 with the API's message on stderr otherwise.
/// </summary>
public static class ClientCommands
{
    private static readonly Option<string> EndpointOption = new("--endpoint")
    {
        Description = $"The agent's API (default {AgentClient.DefaultEndpoint}, or ${AgentClient.EndpointEnvironmentVariable}).",
        Recursive = true,
    };

    private static readonly Option<string> TokenOption = new("--token")
    {
        Description = $"The agent's API token, sent as X-Auth-Token (or ${AgentClient.TokenEnvironmentVariable}).",
        Recursive = true,
    };

    private static readonly Option<bool> JsonOption = new("--json")
    {
        Description = "Print the API's JSON instead of a table.",
        Recursive = true,
    };

    public static IEnumerable<Command> Create() => [NetworkCommand(), SubnetCommand(), PortCommand(), LeaseCommand()];

    // ---- network ----------------------------------------------------------------------------------------------------

    private static Command NetworkCommand()
    {
        Command network = Group("network", "Networks: each gets a namespace qdhcp-<id> and a DHCP server.");

        Argument<string> name = new("name") { Description = "The network's name." };
        Option<int?> mtu = new("--mtu") { Description = "MTU (default 1500), sent as DHCP option 26." };
        Option<string> bridge = new("--bridge") { Description = "The Linux bridge to plug into (default brq<first 11 of id>)." };
        Option<bool> disable = new("--disable") { Description = "Create it administratively down (not served)." };
        Command create = new("create", "Create a network.") { name, mtu, bridge, disable };
        create.SetAction((result, ct) => RunAsync(result, ct, async (client, output) =>
        {
            JsonObject attributes = new() { ["name"] = result.GetValue(name) };
            if (result.GetValue(mtu) is { } m)
            {
                attributes["mtu"] = m;
            }

            if (result.GetValue(bridge) is { } b)
            {
                attributes["qdhcp:bridge"] = b;
            }

            if (result.GetValue(disable))
            {
                attributes["admin_state_up"] = false;
            }

            output.One(await client.CreateAsync("network", "networks", attributes, ct).ConfigureAwait(false));
        }));

        Command list = new("list", "List networks.");
        list.SetAction((result, ct) => RunAsync(result, ct, async (client, output) =>
            output.Many(await client.ListAsync("networks", null, ct).ConfigureAwait(false),
                ("ID", n => Output.Attr(n, "id")),
                ("NAME", n => Output.Attr(n, "name")),
                ("MTU", n => Output.Attr(n, "mtu")),
                ("STATE", n => (bool?)n["admin_state_up"] == false ? "DOWN" : "UP"),
                ("SUBNETS", n => Output.Attr(n, "subnets")))));

        network.Subcommands.Add(create);
        network.Subcommands.Add(list);
        network.Subcommands.Add(Show("network", "networks"));
        network.Subcommands.Add(Delete("network", "networks"));
        return network;
    }

    // ---- subnet -----------------------------------------------------------------------------------------------------

    private static Command SubnetCommand()
    {
        Command subnet = Group("subnet", "IPv4 subnets of a network: addresses, gateway, DNS servers, routes, lease time.");

        Argument<string?> name = new("name") { Description = "The subnet's name.", Arity = ArgumentArity.ZeroOrOne };
        Option<string> network = new("--network") { Description = "The network (id or name).", Required = true };
        Option<string> cidr = new("--subnet-range", "--cidr") { Description = "The CIDR, e.g. 10.10.10.0/24.", Required = true };
        Option<string> gateway = new("--gateway") { Description = "The gateway address, or 'none' (default: the first address)." };
        Option<string[]> dns = new("--dns-nameserver") { Description = "A DNS server to announce (repeatable).", AllowMultipleArgumentsPerToken = false };
        Option<string[]> pool = new("--allocation-pool") { Description = "start=A,end=B (repeatable; default: all but the gateway)." };
        Option<string[]> route = new("--host-route") { Description = "destination=CIDR,gateway=A (repeatable)." };
        Option<bool> noDhcp = new("--no-dhcp") { Description = "Do not serve DHCP on this subnet." };
        Option<uint?> lease = new("--lease-seconds") { Description = "DHCP lease time in seconds (default 86400)." };
        Command create = new("create", "Create a subnet.") { name, network, cidr, gateway, dns, pool, route, noDhcp, lease };
        create.SetAction((result, ct) => RunAsync(result, ct, async (client, output) =>
        {
            JsonObject net = await client.FindAsync("network", "networks", result.GetValue(network)!, ct).ConfigureAwait(false);
            JsonObject attributes = new()
            {
                ["network_id"] = (string?)net["id"],
                ["cidr"] = result.GetValue(cidr),
                ["ip_version"] = 4,
                ["name"] = result.GetValue(name) ?? "",
            };
            if (result.GetValue(gateway) is { } g)
            {
                attributes["gateway_ip"] = g.Equals("none", StringComparison.OrdinalIgnoreCase) ? null : g;
            }

            if (result.GetValue(dns) is { Length: > 0 } servers)
            {
                attributes["dns_nameservers"] = new JsonArray([.. servers.Select(s => (JsonNode)s)]);
            }

            if (result.GetValue(pool) is { Length: > 0 } pools)
            {
                attributes["allocation_pools"] = new JsonArray([.. pools.Select(p => (JsonNode)KeyValues(p, "--allocation-pool", "start", "end"))]);
            }

            if (result.GetValue(route) is { Length: > 0 } routes)
            {
                attributes["host_routes"] = new JsonArray([.. routes.Select(r =>
                {
                    JsonObject kv = KeyValues(r, "--host-route", "destination", "gateway");
                    return (JsonNode)new JsonObject { ["destination"] = (string?)kv["destination"], ["nexthop"] = (string?)kv["gateway"] };
                })]);
            }

            if (result.GetValue(noDhcp))
            {
                attributes["enable_dhcp"] = false;
            }

            if (result.GetValue(lease) is { } seconds)
            {
                attributes["qdhcp:lease_seconds"] = seconds;
            }

            output.One(await client.CreateAsync("subnet", "subnets", attributes, ct).ConfigureAwait(false));
        }));

        Option<string> listNetwork = new("--network") { Description = "Only this network's subnets (id or name)." };
        Command list = new("list", "List subnets.") { listNetwork };
        list.SetAction((result, ct) => RunAsync(result, ct, async (client, output) =>
            output.Many(await client.ListAsync("subnets", await NetworkFilterAsync(client, result.GetValue(listNetwork), ct).ConfigureAwait(false), ct).ConfigureAwait(false),
                ("ID", s => Output.Attr(s, "id")),
                ("NAME", s => Output.Attr(s, "name")),
                ("NETWORK", s => Output.Attr(s, "network_id")),
                ("CIDR", s => Output.Attr(s, "cidr")),
                ("GATEWAY", s => Output.Attr(s, "gateway_ip")),
                ("DHCP", s => (bool?)s["enable_dhcp"] == false ? "off" : "on"))));

        subnet.Subcommands.Add(create);
        subnet.Subcommands.Add(list);
        subnet.Subcommands.Add(Show("subnet", "subnets"));
        subnet.Subcommands.Add(Delete("subnet", "subnets"));
        return subnet;
    }

    // ---- port -------------------------------------------------------------------------------------------------------

    private static Command PortCommand()
    {
        Command port = Group("port", "Ports: a MAC and its fixed addresses; each is a host the network's DHCP server answers.");

        Option<string> network = new("--network") { Description = "The network (id or name).", Required = true };
        Option<string> mac = new("--mac") { Description = "The MAC address (default: a fresh fa:16:3e:xx:xx:xx)." };
        Option<string[]> ip = new("--ip") { Description = "A fixed address (repeatable; default: the next free one)." };
        Option<string> name = new("--name") { Description = "The port's name." };
        Option<string> hostName = new("--host-name") { Description = "The DHCP host name (default host-a-b-c-d from the address)." };
        Option<string> deviceOwner = new("--device-owner") { Description = "e.g. compute:nova; network:dhcp for a DHCP server's port." };
        Command create = new("create", "Create a port.") { network, mac, ip, name, hostName, deviceOwner };
        create.SetAction((result, ct) => RunAsync(result, ct, async (client, output) =>
        {
            JsonObject net = await client.FindAsync("network", "networks", result.GetValue(network)!, ct).ConfigureAwait(false);
            JsonObject attributes = new() { ["network_id"] = (string?)net["id"], ["name"] = result.GetValue(name) ?? "" };
            if (result.GetValue(mac) is { } m)
            {
                attributes["mac_address"] = m;
            }

            if (result.GetValue(ip) is { Length: > 0 } addresses)
            {
                attributes["fixed_ips"] = new JsonArray([.. addresses.Select(a => (JsonNode)new JsonObject { ["ip_address"] = a })]);
            }

            if (result.GetValue(hostName) is { } h)
            {
                attributes["dns_name"] = h;
            }

            if (result.GetValue(deviceOwner) is { } owner)
            {
                attributes["device_owner"] = owner;
            }

            output.One(await client.CreateAsync("port", "ports", attributes, ct).ConfigureAwait(false));
        }));

        Option<string> listNetwork = new("--network") { Description = "Only this network's ports (id or name)." };
        Command list = new("list", "List ports.") { listNetwork };
        list.SetAction((result, ct) => RunAsync(result, ct, async (client, output) =>
            output.Many(await client.ListAsync("ports", await NetworkFilterAsync(client, result.GetValue(listNetwork), ct).ConfigureAwait(false), ct).ConfigureAwait(false),
                ("ID", p => Output.Attr(p, "id")),
                ("NAME", p => Output.Attr(p, "name")),
                ("MAC", p => Output.Attr(p, "mac_address")),
                ("FIXED IPS", p => string.Join(", ", (p["fixed_ips"] as JsonArray ?? []).Select(f => (string?)f?["ip_address"]))),
                ("HOST NAME", p => Output.Attr(p, "dns_name")),
                ("OWNER", p => Output.Attr(p, "device_owner")),
                ("STATUS", p => Output.Attr(p, "status")))));

        port.Subcommands.Add(create);
        port.Subcommands.Add(list);
        port.Subcommands.Add(Show("port", "ports"));
        port.Subcommands.Add(Delete("port", "ports"));
        return port;
    }

    // ---- lease ------------------------------------------------------------------------------------------------------

    private static Command LeaseCommand()
    {
        Command lease = Group("lease", "DHCP leases.");
        Option<string> network = new("--network") { Description = "The network (id or name).", Required = true };
        Command list = new("list", "List a network's leases.") { network };
        list.SetAction((result, ct) => RunAsync(result, ct, async (client, output) =>
        {
            JsonObject net = await client.FindAsync("network", "networks", result.GetValue(network)!, ct).ConfigureAwait(false);
            output.Many(await client.ListLeasesAsync((string)net["id"]!, ct).ConfigureAwait(false),
                ("MAC", l => Output.Attr(l, "mac_address")),
                ("IP", l => Output.Attr(l, "ip_address")),
                ("HOST NAME", l => Output.Attr(l, "hostname")),
                ("EXPIRES", l => l["expires_at"] is null ? "never" : Output.Attr(l, "expires_at")),
                ("CLIENT ID", l => Output.Attr(l, "client_id")));
        }));
        lease.Subcommands.Add(list);
        return lease;
    }

    // ---- shared -----------------------------------------------------------------------------------------------------

    private static Command Group(string name, string description)
    {
        Command group = new(name, description);
        group.Options.Add(EndpointOption);
        group.Options.Add(TokenOption);
        group.Options.Add(JsonOption);
        return group;
    }

    private static Command Show(string resource, string collection)
    {
        Argument<string> target = new(resource) { Description = $"The {resource} (id or name)." };
        Command show = new("show", $"Show a {resource}.") { target };
        show.SetAction((result, ct) => RunAsync(result, ct, async (client, output) =>
            output.One(await client.FindAsync(resource, collection, result.GetValue(target)!, ct).ConfigureAwait(false))));
        return show;
    }

    private static Command Delete(string resource, string collection)
    {
        Argument<string[]> targets = new(resource) { Description = $"The {resource}s (ids or names).", Arity = ArgumentArity.OneOrMore };
        Command delete = new("delete", $"Delete {resource}s.") { targets };
        delete.SetAction((result, ct) => RunAsync(result, ct, async (client, output) =>
        {
            foreach (string target in result.GetValue(targets)!)
            {
                JsonObject item = await client.FindAsync(resource, collection, target, ct).ConfigureAwait(false);
                await client.DeleteAsync(collection, (string)item["id"]!, ct).ConfigureAwait(false);
                output.Done($"Deleted {resource} {(string?)item["id"]}");
            }
        }));
        return delete;
    }

    private static async Task<List<KeyValuePair<string, string>>?> NetworkFilterAsync(AgentClient client, string? network, CancellationToken ct) =>
        network is null ? null : [new("network_id", (string)(await client.FindAsync("network", "networks", network, ct).ConfigureAwait(false))["id"]!)];

    /// <summary><c>start=A,end=B</c> into an object with exactly those keys.</summary>
    private static JsonObject KeyValues(string text, string option, params string[] keys)
    {
        JsonObject result = [];
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=');
            string key = eq > 0 ? part[..eq] : "";
            if (!keys.Contains(key))
            {
                throw new AgentClientException($"{option} {text}: expected {string.Join(",", keys.Select(k => k + "=..."))}");
            }

            result[key] = part[(eq + 1)..];
        }

        return keys.All(result.ContainsKey) ? result : throw new AgentClientException($"{option} {text}: expected {string.Join(",", keys.Select(k => k + "=..."))}");
    }

    private static async Task<int> RunAsync(ParseResult result, CancellationToken ct, Func<AgentClient, Printer, Task> action)
    {
        TextWriter stdout = result.InvocationConfiguration.Output;
        TextWriter stderr = result.InvocationConfiguration.Error;
        string endpointText = result.GetValue(EndpointOption)
            ?? Environment.GetEnvironmentVariable(AgentClient.EndpointEnvironmentVariable)
            ?? AgentClient.DefaultEndpoint;
        if (!Uri.TryCreate(endpointText, UriKind.Absolute, out Uri? endpoint) || endpoint.Scheme is not ("http" or "https"))
        {
            await stderr.WriteLineAsync($"qdhcp: --endpoint {endpointText}: expected http://address:port").ConfigureAwait(false);
            return 2;
        }

        string? token = result.GetValue(TokenOption) ?? Environment.GetEnvironmentVariable(AgentClient.TokenEnvironmentVariable);
        using AgentClient client = new(endpoint, token);
        try
        {
            await action(client, new Printer(stdout, result.GetValue(JsonOption))).ConfigureAwait(false);
            return 0;
        }
        catch (AgentClientException ex)
        {
            await stderr.WriteLineAsync("qdhcp: " + ex.Message + (ex.StatusCode is { } s ? $" (HTTP {s})" : "")).ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>Prints one resource, a list or a confirmation, as a table or as JSON.</summary>
    private sealed class Printer(TextWriter writer, bool json)
    {
        public void One(JsonObject item)
        {
            if (json)
            {
                Output.Json(writer, item);
            }
            else
            {
                Output.Fields(writer, item);
            }
        }

        public void Many(JsonArray items, params (string Header, Func<JsonObject, string> Value)[] columns)
        {
            if (json)
            {
                Output.Json(writer, items);
            }
            else
            {
                Output.Table(writer, items, columns);
            }
        }

        public void Done(string message)
        {
            if (!json)
            {
                writer.WriteLine(message);
            }
        }
    }
}

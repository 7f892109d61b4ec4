using System.CommandLine;
using System.Text.Json.Nodes;
using Qdhcp.Cli.Client;

namespace Qdhcp.Api.Tests;

/// <summary>The qdhcp client commands (network, subnet, port, lease), run in-process against a real agent API.</summary>
public sealed class CliTests
{
    private static async Task<(int Exit, string Out, string Err)> QdhcpAsync(TestAgent agent, params string[] args)
    {
        RootCommand root = new("qdhcp");
        foreach (Command command in ClientCommands.Create())
        {
            root.Subcommands.Add(command);
        }

        StringWriter output = new();
        StringWriter error = new();
        string[] withEndpoint = [.. args, "--endpoint", agent.BaseUri.ToString()];
        int exit = await root.Parse(withEndpoint).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task NetworkSubnetPortLease_CreateListShowDelete()
    {
        await using TestAgent agent = await TestAgent.StartAsync();

        (int exit, string stdout, string stderr) = await QdhcpAsync(agent, "network", "create", "n1", "--mtu", "1450");
        Assert.True(exit == 0, stderr);
        Assert.Matches(@"(?m)^name\s+n1$", stdout);
        Assert.Matches(@"(?m)^mtu\s+1450$", stdout);

        (exit, stdout, stderr) = await QdhcpAsync(agent, "subnet", "create", "--network", "n1", "--subnet-range", "10.10.10.0/24", "--dns-nameserver", "10.10.10.3", "--allocation-pool", "start=10.10.10.10,end=10.10.10.20", "s1");
        Assert.True(exit == 0, stderr);
        Assert.Matches(@"(?m)^allocation_pools\s+start=10.10.10.10 end=10.10.10.20$", stdout);

        (exit, stdout, stderr) = await QdhcpAsync(agent, "port", "create", "--network", "n1", "--mac", "fa:16:3e:fe:c7:87", "--ip", "10.10.10.2", "--name", "vm1", "--host-name", "vm1");
        Assert.True(exit == 0, stderr);
        Assert.Matches(@"(?m)^mac_address\s+fa:16:3e:fe:c7:87$", stdout);

        (exit, stdout, _) = await QdhcpAsync(agent, "port", "create", "--network", "n1", "--json");
        Assert.Equal(0, exit);
        JsonNode allocated = JsonNode.Parse(stdout)!;
        Assert.Equal("10.10.10.10", (string?)allocated["fixed_ips"]![0]!["ip_address"]);

        (exit, stdout, _) = await QdhcpAsync(agent, "network", "list");
        Assert.Equal(0, exit);
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("ID", lines[0]);
        Assert.Contains("SUBNETS", lines[0]);
        Assert.Contains(" n1 ", lines[1]);

        (exit, stdout, _) = await QdhcpAsync(agent, "port", "list", "--network", "n1", "--json");
        Assert.Equal(0, exit);
        Assert.Equal(2, JsonNode.Parse(stdout)!.AsArray().Count);

        (exit, stdout, _) = await QdhcpAsync(agent, "port", "list");
        Assert.Matches(@"(?m)^\S+\s+vm1\s+fa:16:3e:fe:c7:87\s+10\.10\.10\.2\s+vm1\s+ACTIVE$", stdout);

        (exit, stdout, _) = await QdhcpAsync(agent, "subnet", "show", "s1", "--json");
        Assert.Equal("10.10.10.0/24", (string?)JsonNode.Parse(stdout)!["cidr"]);

        string networkId = (await agent.Store.ListNetworksAsync(TestContext.Current.CancellationToken))[0].Id;
        await agent.Store.SaveLeasesAsync(networkId, [new(0, Wire.Primitives.MacAddress.Parse("fa:16:3e:fe:c7:87"), Wire.Primitives.IPv4Address.Parse("10.10.10.2"), "vm1", null)], TestContext.Current.CancellationToken);
        (exit, stdout, _) = await QdhcpAsync(agent, "lease", "list", "--network", "n1");
        Assert.Equal(0, exit);
        Assert.Matches(@"(?m)^fa:16:3e:fe:c7:87\s+10\.10\.10\.2\s+vm1\s+never$", stdout);

        (exit, stdout, _) = await QdhcpAsync(agent, "port", "delete", "vm1");
        Assert.Equal(0, exit);
        Assert.StartsWith("Deleted port ", stdout);
        // The allocated port still has an address in s1: refused, as Neutron's SubnetInUse.
        (exit, _, stderr) = await QdhcpAsync(agent, "subnet", "delete", "s1");
        Assert.Equal(1, exit);
        Assert.Contains("(HTTP 409)", stderr);
        (exit, _, _) = await QdhcpAsync(agent, "port", "delete", (string)allocated["id"]!);
        Assert.Equal(0, exit);
        (exit, _, _) = await QdhcpAsync(agent, "subnet", "delete", "s1");
        Assert.Equal(0, exit);
        (exit, _, _) = await QdhcpAsync(agent, "network", "delete", networkId);
        Assert.Equal(0, exit);
        Assert.Empty(await agent.Store.ListNetworksAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Errors_ApiMessageOnStderr_Exit1()
    {
        await using TestAgent agent = await TestAgent.StartAsync();
        (int exit, string stdout, string stderr) = await QdhcpAsync(agent, "subnet", "create", "--network", "nope", "--subnet-range", "10.0.0.0/24");
        Assert.Equal(1, exit);
        Assert.Equal("", stdout);
        Assert.Contains("no network with id or name 'nope'", stderr);

        await QdhcpAsync(agent, "network", "create", "n1");
        (exit, _, stderr) = await QdhcpAsync(agent, "subnet", "create", "--network", "n1", "--subnet-range", "10.0.0.5/24");
        Assert.Equal(1, exit);
        Assert.Contains("qdhcp: Invalid input for cidr. Reason: 10.0.0.5/24 has host bits set", stderr);
        Assert.Contains("(HTTP 400)", stderr);

        await QdhcpAsync(agent, "subnet", "create", "--network", "n1", "--subnet-range", "10.0.0.0/24");
        await QdhcpAsync(agent, "port", "create", "--network", "n1", "--ip", "10.0.0.2");
        (exit, _, stderr) = await QdhcpAsync(agent, "port", "create", "--network", "n1", "--ip", "10.0.0.2");
        Assert.Equal(1, exit);
        Assert.Contains("(HTTP 409)", stderr);

        (exit, _, stderr) = await QdhcpAsync(agent, "port", "create", "--network", "n1", "--mac", "nonsense");
        Assert.Equal(1, exit);
        Assert.Contains("Invalid input for mac_address", stderr);
    }

    [Fact]
    public async Task Token_FromOptionOr401Message()
    {
        await using TestAgent agent = await TestAgent.StartAsync(token: "s3cret");
        (int exit, _, string stderr) = await QdhcpAsync(agent, "network", "list");
        Assert.Equal(1, exit);
        Assert.Contains("(HTTP 401)", stderr);
        (exit, _, stderr) = await QdhcpAsync(agent, "network", "list", "--token", "s3cret");
        Assert.True(exit == 0, stderr);
    }

    [Fact]
    public async Task Unreachable_SaysWhere()
    {
        await using TestAgent agent = await TestAgent.StartAsync();
        Uri gone = agent.BaseUri;
        await agent.App.StopAsync(TestContext.Current.CancellationToken);
        RootCommand root = new("qdhcp");
        foreach (Command command in ClientCommands.Create())
        {
            root.Subcommands.Add(command);
        }

        StringWriter error = new();
        int exit = await root.Parse(["network", "list", "--endpoint", gone.ToString()]).InvokeAsync(new InvocationConfiguration { Output = new StringWriter(), Error = error }, TestContext.Current.CancellationToken);
        Assert.Equal(1, exit);
        Assert.Contains($"cannot reach the agent at {gone}", error.ToString());
    }
}

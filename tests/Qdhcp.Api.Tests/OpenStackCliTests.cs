using System.Collections;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Qdhcp.Api.Tests;

/// <summary>
/// The real openstack CLI (Debian's python3-openstackclient) driving the agent's API: create, list, show, set and
/// delete of networks, subnets and ports, with <c>--os-auth-type none</c> and with <c>admin_token</c>. Skipped when
/// <c>openstack</c> is not installed. Runs as any user.
/// </summary>
public sealed class OpenStackCliTests
{
    private static readonly string? OpenStack = FindOnPath("openstack");

    private const string SkipReason = "the openstack CLI is not installed (apt-get install python3-openstackclient)";

    [Fact]
    public async Task OpenStackCli_CreateListShowSetDelete_EachResource()
    {
        Assert.SkipWhen(OpenStack is null, SkipReason);
        await using TestAgent agent = await TestAgent.StartAsync();
        string[] auth = ["--os-auth-type", "none", "--os-endpoint", agent.BaseUri.ToString().TrimEnd('/')];

        // create
        JsonNode network = await JsonAsync(auth, "network", "create", "n1");
        string networkId = (string)network["id"]!;
        Assert.Equal("n1", (string?)network["name"]);
        Assert.Equal(1500, (int)network["mtu"]!);
        Assert.Equal("ACTIVE", (string?)network["status"]);

        JsonNode subnet = await JsonAsync(auth, "subnet", "create", "--network", "n1", "--subnet-range", "10.10.10.0/24", "s1");
        string subnetId = (string)subnet["id"]!;
        Assert.Equal("10.10.10.0/24", (string?)subnet["cidr"]);
        Assert.Equal("10.10.10.1", (string?)subnet["gateway_ip"]);
        Assert.Equal(networkId, (string?)subnet["network_id"]);
        Assert.Equal("10.10.10.2", (string?)subnet["allocation_pools"]![0]!["start"]);

        JsonNode port = await JsonAsync(auth, "port", "create", "--network", "n1", "--mac-address", "fa:16:3e:fe:c7:87", "--fixed-ip", "ip-address=10.10.10.2", "vm1");
        string portId = (string)port["id"]!;
        Assert.Equal("fa:16:3e:fe:c7:87", (string?)port["mac_address"]);
        Assert.Equal("10.10.10.2", (string?)port["fixed_ips"]![0]!["ip_address"]);
        Assert.Equal(subnetId, (string?)port["fixed_ips"]![0]!["subnet_id"]);

        // list
        JsonNode networks = await JsonAsync(auth, "network", "list");
        JsonNode listed = Assert.Single(networks.AsArray())!;
        Assert.Equal(networkId, (string?)listed["ID"]);
        Assert.Equal(subnetId, (string?)listed["Subnets"]![0]);
        Assert.Equal("10.10.10.0/24", (string?)Assert.Single((await JsonAsync(auth, "subnet", "list", "--network", "n1")).AsArray())!["Subnet"]);
        JsonNode listedPort = Assert.Single((await JsonAsync(auth, "port", "list", "--network", "n1")).AsArray())!;
        Assert.Equal("fa:16:3e:fe:c7:87", (string?)listedPort["MAC Address"]);
        Assert.Equal("ACTIVE", (string?)listedPort["Status"]);

        // show
        Assert.Equal(subnetId, (string?)(await JsonAsync(auth, "network", "show", "n1"))["subnets"]![0]);
        Assert.Equal("s1", (string?)(await JsonAsync(auth, "subnet", "show", subnetId))["name"]);
        Assert.Equal(portId, (string?)(await JsonAsync(auth, "port", "show", "vm1"))["id"]);

        // set (update)
        await RunOkAsync(auth, "network", "set", "--name", "n2", "--mtu", "1400", "n1");
        await RunOkAsync(auth, "subnet", "set", "--name", "s2", "--dns-nameserver", "10.10.10.3", "s1");
        await RunOkAsync(auth, "port", "set", "--name", "vm2", "--extra-dhcp-option", "name=mtu,value=1400", "vm1");
        JsonNode shownNetwork = await JsonAsync(auth, "network", "show", networkId);
        Assert.Equal("n2", (string?)shownNetwork["name"]);
        Assert.Equal(1400, (int)shownNetwork["mtu"]!);
        Assert.Equal("10.10.10.3", (string?)(await JsonAsync(auth, "subnet", "show", "s2"))["dns_nameservers"]![0]);
        JsonNode shownPort = await JsonAsync(auth, "port", "show", "vm2");
        Assert.Equal("mtu", (string?)shownPort["extra_dhcp_opts"]![0]!["opt_name"]);
        Assert.Equal("1400", (string?)shownPort["extra_dhcp_opts"]![0]!["opt_value"]);

        // bad input comes back with the API's message
        (int exit, _, string stderr) = await RunAsync(auth, "port", "create", "--network", "n2", "--fixed-ip", "ip-address=10.10.10.2", "dup");
        Assert.NotEqual(0, exit);
        Assert.Contains("10.10.10.2 is already used", stderr);
        (exit, _, stderr) = await RunAsync(auth, "subnet", "create", "--network", "n2", "--subnet-range", "10.10.20.5/24", "bad");
        Assert.NotEqual(0, exit);
        Assert.Contains("Invalid input for cidr", stderr);

        // delete
        await RunOkAsync(auth, "port", "delete", "vm2");
        await RunOkAsync(auth, "subnet", "delete", "s2");
        await RunOkAsync(auth, "network", "delete", "n2");
        Assert.Empty((await JsonAsync(auth, "network", "list")).AsArray());
        Assert.Empty(await agent.Store.ListPortsAsync(null, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task OpenStackCli_AdminToken_RequiredWhenSet()
    {
        Assert.SkipWhen(OpenStack is null, SkipReason);
        await using TestAgent agent = await TestAgent.StartAsync(token: "s3cret");
        string endpoint = agent.BaseUri.ToString().TrimEnd('/');
        JsonNode network = await JsonAsync(["--os-auth-type", "admin_token", "--os-token", "s3cret", "--os-endpoint", endpoint], "network", "create", "t1");
        Assert.Equal("t1", (string?)network["name"]);

        (int exit, _, string stderr) = await RunAsync(["--os-auth-type", "admin_token", "--os-token", "wrong", "--os-endpoint", endpoint], "network", "list");
        Assert.NotEqual(0, exit);
        Assert.Contains("401", stderr);
    }

    private static async Task<JsonNode> JsonAsync(string[] auth, params string[] args)
    {
        (int exit, string stdout, string stderr) = await RunAsync(auth, [.. args, "-f", "json"]);
        Assert.True(exit == 0, $"openstack {string.Join(' ', args)} failed ({exit}): {stderr}");
        return JsonNode.Parse(stdout)!;
    }

    private static async Task RunOkAsync(string[] auth, params string[] args)
    {
        (int exit, _, string stderr) = await RunAsync(auth, args);
        Assert.True(exit == 0, $"openstack {string.Join(' ', args)} failed ({exit}): {stderr}");
    }

    /// <summary>Runs openstack with a clean environment: no OS_* variables, no clouds.yaml, a throwaway HOME.</summary>
    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string[] auth, params string[] args)
    {
        string home = Directory.CreateTempSubdirectory("qdhcp-osc-").FullName;
        try
        {
            ProcessStartInfo start = new(OpenStack!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in auth.Concat(args))
            {
                start.ArgumentList.Add(a);
            }

            foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
            {
                if (((string)variable.Key).StartsWith("OS_", StringComparison.Ordinal))
                {
                    start.Environment.Remove((string)variable.Key);
                }
            }

            start.Environment["HOME"] = home;
            start.Environment["XDG_CONFIG_HOME"] = Path.Combine(home, ".config");
            using Process process = Process.Start(start)!;
            Task<string> stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            Task<string> stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            using CancellationTokenSource timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(120));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            return (process.ExitCode, await stdout, await stderr);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}

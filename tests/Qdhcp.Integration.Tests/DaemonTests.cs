using Qdhcp.Integration.Tests.Infrastructure;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Integration.Tests;

/// <summary>
/// Daemon mode as the Neutron agent uses it: <c>ip netns exec qdhcp-NET dnsmasq ...</c> without
/// <c>--keep-in-foreground</c>, waited for by <c>execute()</c> (exit and end-of-file on stdout and stderr), then
/// judged by its pid file and <c>/proc/&lt;pid&gt;/cmdline</c>, reloaded by SIGHUP, ended by SIGKILL.
/// </summary>
[Trait("Category", "Namespace")]
public sealed class DaemonTests
{
    private static readonly TimeSpan LaunchTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task WithoutKeepInForeground_ExitsZeroReleasingThePipes_ThePidServesReloadsOnSighupAndDiesOnSigkill()
    {
        await using NetworkLab lab = NetworkLab.Create(LabOptions.Neutron);
        string subnet = Guid.NewGuid().ToString();
        NeutronSamples.WriteFiles(lab, subnet);

        DaemonLaunch launch = await DaemonLaunch.RunAsync(lab, lab.NeutronArguments(subnet, foreground: false), LaunchTimeout);

        Assert.True(launch.Completed, $"The command did not exit and close its output within {LaunchTimeout.TotalSeconds} s (Neutron's execute() would hang): {launch}");
        Assert.True(launch.ExitCode == 0, $"Expected exit code 0: {launch}");
        Assert.True(launch.Elapsed < TimeSpan.FromSeconds(5), $"The command took {launch.Elapsed.TotalSeconds:F1} s to return");
        DetachedServer server = DetachedServer.FromPidFile(lab);
        Assert.True(server.IsAlive, $"The pid file names {server.Pid}, which is not running");
        Assert.NotEqual(launch.LauncherPid, server.Pid);
        // The agent's liveness check: the pid's command line contains the network id.
        Assert.Contains(lab.NetworkId, server.CommandLine);

        // That process serves.
        using CraftedClient client = CraftedClient.Open(lab.AddVm(MacAddress.Parse("fa:16:3e:aa:77:10")));
        Assert.Equal(NeutronSamples.Ip42, client.Dora(NeutronSamples.Mac42).Yiaddr);

        // A port added: hosts file replaced, SIGHUP to the pid from the pid file.
        MacAddress mac44 = MacAddress.Parse("fa:16:3e:77:00:44");
        Assert.Null(client.Discover(mac44, timeout: TimeSpan.FromMilliseconds(500)));
        lab.WriteHosts([.. NeutronSamples.Hosts, "fa:16:3e:77:00:44,host-10-77-0-44.openstacklocal,10.77.0.44"]);
        server.Signal(Native.SigHup);
        DhcpReply? offer = null;
        for (int i = 0; i < 10 && offer is null; i++)
        {
            offer = client.Discover(mac44, timeout: TimeSpan.FromMilliseconds(300));
        }

        Assert.True(offer is not null, "The detached server did not serve the host added before SIGHUP");
        Assert.Equal(IPv4Address.Parse("10.77.0.44"), offer.Yiaddr);
        Assert.True(server.IsOurs, "The server died after SIGHUP");

        // Network deleted: SIGKILL.
        server.Signal(Native.SigKill);
        Assert.True(await server.WaitGoneAsync(TimeSpan.FromSeconds(3)), $"PID {server.Pid} survived SIGKILL");
        Assert.Null(client.Discover(NeutronSamples.Mac42, timeout: TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task WithoutKeepInForeground_MissingHostsFile_ExitsNonZeroNamingTheFile_WithoutDetaching()
    {
        ServerProcess.SkipUnderDnsmasq("dnsmasq 2.90 logs a missing --dhcp-hostsfile and starts anyway (exit 0); qdhcp refuses to start.");
        await using NetworkLab lab = NetworkLab.Create(LabOptions.Neutron);
        string subnet = Guid.NewGuid().ToString();
        NeutronSamples.WriteFiles(lab, subnet);
        string missing = Path.Combine(lab.StateDirectory, "no-such-host");
        List<string> args = lab.NeutronArguments(subnet, foreground: false);
        args[args.IndexOf($"--dhcp-hostsfile={lab.HostsFile}")] = $"--dhcp-hostsfile={missing}";

        DaemonLaunch launch = await DaemonLaunch.RunAsync(lab, args, LaunchTimeout);

        Assert.True(launch.Completed, $"The command did not exit and close its output: {launch}");
        Assert.True(launch.ExitCode != 0, $"Expected a non-zero exit for a missing hosts file: {launch}");
        Assert.Contains(missing, launch.Stderr);
        Assert.False(File.Exists(lab.PidFile), "A pid file was written although the server did not start");
        string left = Shell.Run("ip", "netns", "pids", lab.ServerNamespace).Stdout.Trim();
        Assert.True(left.Length == 0, $"Processes left in {lab.ServerNamespace} (it detached anyway): {left}");
    }
}

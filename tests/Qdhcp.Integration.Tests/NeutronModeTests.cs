using System.Diagnostics;
using System.Globalization;
using Qdhcp.Integration.Tests.Infrastructure;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Integration.Tests;

/// <summary>
/// What today's Neutron DHCP agent expects of its dnsmasq (neutron-samples/README.md): its exact command line and
/// files, <c>--bind-dynamic</c> with the port plugged after the start, the lease file it reads and
/// <c>dhcp_release</c>, restarts, files replaced by rename under SIGHUP, and bad input.
/// </summary>
[Trait("Category", "Namespace")]
public sealed class NeutronModeTests
{
    private static readonly IPv4Address Port = LabOptions.Neutron.DhcpPortAddress;

    private static string NewSubnetId() => Guid.NewGuid().ToString();

    [Fact]
    public async Task Dhclient_WithNeutronsCommandLineAndFiles_GetsPortAddressRouterDnsDomainHostNameLeaseAndMtu()
    {
        await using NetworkLab lab = NetworkLab.Create(LabOptions.Neutron);
        string subnet = NewSubnetId();
        NeutronSamples.WriteFiles(lab, subnet);
        ServerProcess server = await lab.StartServerAsync(lab.NeutronArguments(subnet));
        Vm vm = lab.AddVm(NeutronSamples.Mac42);

        ClientLease lease = (await RealClients.RunDhclientAsync(vm)).AssertBound();

        Assert.Equal("10.77.0.42", lease.Address);
        Assert.Equal("255.255.255.0", lease.SubnetMask);
        Assert.Equal("10.77.0.1", lease.Routers);
        Assert.Equal("10.77.0.53", lease.DnsServers);
        Assert.Equal("openstacklocal", lease.DomainName);
        Assert.Equal("host-10-77-0-42", lease.HostName);
        Assert.Equal("86400", lease.LeaseTime);
        Assert.Equal("1500", lease.Mtu);
        Assert.Equal("10.77.0.10", lease.ServerId);
        Assert.Contains("inet 10.77.0.42/24", vm.Addresses());
        Assert.Contains("default via 10.77.0.1", vm.Routes());
        server.AssertAlive();
        lab.AssertHostUnchanged();

        // No --interface: every interface but lo. The namespace has lo and the tap; only the tap is served.
        if (!ServerProcess.IsDnsmasq)
        {
            // dnsmasq serves DHCP from one wildcard socket and filters by IP_PKTINFO, so there is nothing to see per interface.
            string sockets = Shell.Check("ip", "netns", "exec", lab.ServerNamespace, "ss", "-H", "-u", "-a", "-n", "sport = :67");
            string[] lines = sockets.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.True(lines.Length == 1 && lines[0].Contains($"%{lab.TapName}:67", StringComparison.Ordinal),
                $"Expected one DHCP socket, bound to {lab.TapName}; ss shows:\n{sockets}");
            Assert.Contains(server.OutputLines, l => l.Contains($"DHCP on {lab.TapName} ({Port}/24)", StringComparison.Ordinal));
            Assert.DoesNotContain(server.OutputLines, l => l.Contains("DHCP on lo", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task BindDynamic_TapPluggedAfterTheServerStarted_IsServedWithinTwoSeconds_AndAgainWhenReplugged()
    {
        await using NetworkLab lab = NetworkLab.Create(LabOptions.Neutron with { PlugTap = false });
        string subnet = NewSubnetId();
        NeutronSamples.WriteFiles(lab, subnet);
        ServerProcess server = await lab.StartServerAsync(lab.NeutronArguments(subnet), waitForPort: false);
        using CraftedClient client = CraftedClient.Open(lab.AddVm(NeutronSamples.Mac42));

        // What the agent does: start the server, then plug the port with its address.
        lab.PlugTap();
        (DhcpReply? offer, TimeSpan after) = DiscoverUntilAnswered(client, TimeSpan.FromSeconds(5));

        Assert.True(offer is not null, $"No OFFER within 5 s of plugging the tap.\nserver output:\n{server.Output}");
        Assert.True(after < TimeSpan.FromSeconds(2.5), $"The first OFFER came {after.TotalSeconds:F1} s after the tap was plugged (the server polls interfaces every second)");
        AssertOfferFromPort(offer);

        // The port unplugged and plugged again (a new interface with the same name): served again.
        lab.UnplugTap();
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        lab.PlugTap();
        (offer, after) = DiscoverUntilAnswered(client, TimeSpan.FromSeconds(5));
        Assert.True(offer is not null, $"No OFFER within 5 s of plugging the tap again.\nserver output:\n{server.Output}");
        Assert.True(after < TimeSpan.FromSeconds(2.5), $"The first OFFER came {after.TotalSeconds:F1} s after the tap was plugged again");
        AssertOfferFromPort(offer);
        server.AssertAlive();
    }

    [Fact]
    public async Task BindDynamic_TapAddressedAfterTheServerStarted_IsServedWithinTwoSeconds()
    {
        await using NetworkLab lab = NetworkLab.Create(LabOptions.Neutron with { AddressTap = false });
        string subnet = NewSubnetId();
        NeutronSamples.WriteFiles(lab, subnet);
        ServerProcess server = await lab.StartServerAsync(lab.NeutronArguments(subnet), waitForPort: false);
        using CraftedClient client = CraftedClient.Open(lab.AddVm(NeutronSamples.Mac42));
        // Control: without an address on the tap, the subnet is not on this interface and nobody answers.
        Assert.Null(client.Discover(timeout: TimeSpan.FromSeconds(1)));

        lab.AddTapAddress();
        (DhcpReply? offer, TimeSpan after) = DiscoverUntilAnswered(client, TimeSpan.FromSeconds(5));

        Assert.True(offer is not null, $"No OFFER within 5 s of addressing the tap.\nserver output:\n{server.Output}");
        Assert.True(after < TimeSpan.FromSeconds(2.5), $"The first OFFER came {after.TotalSeconds:F1} s after the tap got its address");
        AssertOfferFromPort(offer);
        server.AssertAlive();
    }

    private static (DhcpReply? Offer, TimeSpan After) DiscoverUntilAnswered(CraftedClient client, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (client.Discover(timeout: TimeSpan.FromMilliseconds(250)) is { } offer)
            {
                return (offer, clock.Elapsed);
            }
        }

        return (null, clock.Elapsed);
    }

    private static void AssertOfferFromPort(DhcpReply offer)
    {
        Assert.Equal(Dhcp4MessageType.Offer, offer.Type);
        Assert.Equal(NeutronSamples.Ip42, offer.Yiaddr);
        // The server identifier is the receiving interface's address, and so is the reply's source.
        Assert.Equal(Port, offer.Packet.ServerId);
        Assert.Equal(Port, offer.Frame.SourceIp);
        Assert.Equal(86400u, offer.Packet.LeaseTime);
    }

    [Fact]
    public async Task LeaseFile_DoraWritesDnsmasqLines_DhcpReleaseInTheNamespaceRemovesTheLine()
    {
        string dhcpRelease = LabRequirements.RequireTool("dhcp_release", "dnsmasq-utils");
        await using NetworkLab lab = NetworkLab.Create(LabOptions.Neutron);
        string subnet = NewSubnetId();
        NeutronSamples.WriteFiles(lab, subnet, leases: string.Empty);
        ServerProcess server = await lab.StartServerAsync(lab.NeutronArguments(subnet));
        using CraftedClient client = CraftedClient.Open(lab.AddVm(MacAddress.Parse("fa:16:3e:aa:77:01")));

        // Port .42 with a client-id (as cloud images send), port .46 without.
        client.ClientId = NeutronSamples.ClientIdOf(NeutronSamples.Mac42);
        Assert.Equal(NeutronSamples.Ip42, client.Dora(NeutronSamples.Mac42).Yiaddr);
        client.ClientId = null;
        Assert.Equal(NeutronSamples.Ip46, client.Dora(NeutronSamples.Mac43).Yiaddr);
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        string[] lines = await WaitForLeaseFileAsync(lab, l => l.Length == 2, TimeSpan.FromSeconds(1));
        AssertLeaseLine(lines, NeutronSamples.Ip42, NeutronSamples.Mac42, "host-10-77-0-42", "01:fa:16:3e:77:00:42", now + 86400);
        AssertLeaseLine(lines, NeutronSamples.Ip46, NeutronSamples.Mac43, "host-10-77-0-46", "*", now + 86400);

        // As the agent does for a deleted port: dhcp_release inside the namespace, with and then without the client-id.
        Shell.Result withId = Shell.Run("ip", "netns", "exec", lab.ServerNamespace, dhcpRelease, lab.TapName, "10.77.0.42", "fa:16:3e:77:00:42", "01:fa:16:3e:77:00:42");
        Shell.Result withoutId = Shell.Run("ip", "netns", "exec", lab.ServerNamespace, dhcpRelease, lab.TapName, "10.77.0.42", "fa:16:3e:77:00:42");
        Assert.True(withId.Ok && withoutId.Ok, $"dhcp_release failed:\n{withId}\n{withoutId}");

        lines = await WaitForLeaseFileAsync(lab, l => l.Length == 1, TimeSpan.FromSeconds(1));
        Assert.DoesNotContain(lines, l => l.Contains(" 10.77.0.42 ", StringComparison.Ordinal));
        AssertLeaseLine(lines, NeutronSamples.Ip46, NeutronSamples.Mac43, "host-10-77-0-46", "*", now + 86400);
        server.AssertAlive();
    }

    [Fact]
    public async Task LeaseFile_SeededByTheAgent_IsReadAtStartWithoutError_AndTheSeededPortIsServed()
    {
        await using NetworkLab lab = NetworkLab.Create(LabOptions.Neutron);
        string subnet = NewSubnetId();
        NeutronSamples.WriteFiles(lab, subnet, leases: "0 fa:16:3e:77:00:43 10.77.0.46 * *\n");
        ServerProcess server = await lab.StartServerAsync(lab.NeutronArguments(subnet));
        using CraftedClient client = CraftedClient.Open(lab.AddVm(MacAddress.Parse("fa:16:3e:aa:77:02")));

        Assert.Equal(NeutronSamples.Ip46, client.Dora(NeutronSamples.Mac43).Yiaddr);
        Assert.Equal(NeutronSamples.Ip42, client.Dora(NeutronSamples.Mac42).Yiaddr);
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        string[] lines = await WaitForLeaseFileAsync(lab, l => l.Length == 2, TimeSpan.FromSeconds(1));
        AssertLeaseLine(lines, NeutronSamples.Ip46, NeutronSamples.Mac43, "host-10-77-0-46", "*", now + 86400);
        AssertLeaseLine(lines, NeutronSamples.Ip42, NeutronSamples.Mac42, "host-10-77-0-42", "*", now + 86400);
        Assert.DoesNotContain(server.OutputLines, l => l.Contains(lab.LeasesFile, StringComparison.Ordinal));
        if (!ServerProcess.IsDnsmasq)
        {
            Assert.Contains(server.OutputLines, l => l.Contains("1 leases on record", StringComparison.Ordinal));
        }

        server.AssertAlive();
    }

    /// <summary>Polls the lease file until <paramref name="done"/> holds for its lines; fails with the last content otherwise.</summary>
    private static async Task<string[]> WaitForLeaseFileAsync(NetworkLab lab, Func<string[], bool> done, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        string[] lines = [];
        while (true)
        {
            lines = File.Exists(lab.LeasesFile)
                ? File.ReadAllLines(lab.LeasesFile).Where(l => l.Length > 0 && !l.StartsWith("duid ", StringComparison.Ordinal)).ToArray()
                : [];
            if (done(lines))
            {
                return lines;
            }

            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"The lease file did not reach the expected state within {timeout.TotalSeconds} s; it holds:\n{string.Join('\n', lines)}");
            }

            await Task.Delay(20);
        }
    }

    private static void AssertLeaseLine(string[] lines, IPv4Address address, MacAddress mac, string hostName, string clientId, long expectedExpiry)
    {
        string? line = lines.FirstOrDefault(l => l.Split(' ').ElementAtOrDefault(2) == address.ToString());
        Assert.True(line is not null, $"No line for {address} in the lease file:\n{string.Join('\n', lines)}");
        string[] f = line.Split(' ');
        Assert.True(f.Length == 5, $"Expected 'expiry mac ip hostname client-id', got '{line}'");
        long expiry = long.Parse(f[0], CultureInfo.InvariantCulture);
        Assert.True(Math.Abs(expiry - expectedExpiry) <= 30, $"Expiry {expiry} is not now + 86400 ({expectedExpiry}): '{line}'");
        Assert.Equal(mac.ToString(), f[1]);
        Assert.Equal(hostName, f[3]);
        Assert.Equal(clientId, f[4]);
    }

    [Fact]
    public async Task Restart_WithLeasefileRo_RenewalAndInitRebootOfTheReservedAddressAreAcked()
    {
        ServerProcess.SkipUnderDnsmasq(
            "dnsmasq 2.90 restarted with --leasefile-ro NAKs the renewal of a reserved address ('lease not found'): the " +
            "NAK-after-restart that qdhcp's README rules out (the reservation is the truth).");
        await using NetworkLab lab = NetworkLab.Create(LabOptions.Neutron);
        string subnet = NewSubnetId();
        NeutronSamples.WriteFiles(lab, subnet, leases: null);
        List<string> args = lab.NeutronArguments(subnet, leaseFileReadOnly: true);
        ServerProcess first = await lab.StartServerAsync(args);
        Vm vm = lab.AddVm(NeutronSamples.Mac42);
        using CraftedClient client = CraftedClient.Open(vm);
        Assert.Equal(NeutronSamples.Ip42, client.Dora().Yiaddr);
        vm.AddAddress("10.77.0.42/24");

        await first.KillAsync();
        ServerProcess second = await lab.StartServerAsync(args);

        // RENEWING: ciaddr set, unicast to the server that no longer has the lease.
        uint xid = CraftedClient.NewXid();
        client.SendUdp(CraftedClient.RequestPacket(NeutronSamples.Mac42, xid, requested: null, ciaddr: NeutronSamples.Ip42).Encode(), NeutronSamples.Ip42, Port);
        DhcpReply? renewal = client.ReceiveReply(xid);
        Assert.True(renewal?.Type == Dhcp4MessageType.Ack, $"Expected an ACK to the renewal after the restart, got {renewal?.ToString() ?? "nothing"}");
        Assert.Equal(NeutronSamples.Ip42, renewal!.Yiaddr);
        Assert.Equal(86400u, renewal.Packet.LeaseTime);
        Assert.Equal(NeutronSamples.Ip42, renewal.Frame.DestinationIp);

        // INIT-REBOOT (a rebooted VM): requested address, no server id, no ciaddr.
        DhcpReply? reboot = client.Request(NeutronSamples.Mac42, NeutronSamples.Ip42, serverId: null);
        Assert.True(reboot?.Type == Dhcp4MessageType.Ack, $"Expected an ACK to the INIT-REBOOT REQUEST after the restart, got {reboot?.ToString() ?? "nothing"}");
        Assert.Equal(NeutronSamples.Ip42, reboot!.Yiaddr);
        Assert.Equal(Port, reboot.Packet.ServerId);
        Assert.False(File.Exists(lab.LeasesFile), "--leasefile-ro wrote a lease file");
        second.AssertAlive();
    }

    [Fact]
    public async Task FilesReplacedByRename_WithSighupWhileClientsAreServed_EveryReplyIsTheOldOrTheNewConfiguration()
    {
        await using NetworkLab lab = NetworkLab.Create(LabOptions.Neutron);
        string subnet = NewSubnetId();
        // Two configurations: A = the sample (.42, router .1, DNS .53), B = the port moved to .44, router .2, DNS .54.
        // 300 other ports make the files big enough that a partial read would lose lines.
        string[] others = Enumerable.Range(0, 300).Select(i => $"fa:16:3e:78:{i >> 8:x2}:{i & 0xff:x2},host-10-77-1-{i}.openstacklocal,10.77.{1 + (i >> 8)}.{i & 0xff}").ToArray();
        (string Hosts, string Opts)[] configurations =
        [
            (string.Join('\n', [.. NeutronSamples.Hosts, .. others]) + "\n", $"tag:subnet-{subnet},option:dns-server,10.77.0.53\ntag:subnet-{subnet},option:router,10.77.0.1"),
            (string.Join('\n', ["fa:16:3e:77:00:42,host-10-77-0-44.openstacklocal,10.77.0.44", NeutronSamples.Hosts[1], .. others]) + "\n",
             $"tag:subnet-{subnet},option:dns-server,10.77.0.54\ntag:subnet-{subnet},option:router,10.77.0.2"),
        ];
        NeutronSamples.WriteFiles(lab, subnet);
        List<string> args = lab.NeutronArguments(subnet);
        if (!ServerProcess.IsDnsmasq)
        {
            // One MAC does back-to-back exchanges here, faster than qdhcp's default per-client limit (10/s) lets
            // any real client go; the limit is not what this test is about.
            args.Add("--dhcp-client-rate-limit=0");
        }

        ServerProcess server = await lab.StartServerAsync(args);
        using CraftedClient client = CraftedClient.Open(lab.AddVm(NeutronSamples.Mac42));

        using CancellationTokenSource writerDone = new();
        List<string> inconsistent = [];
        int[] seen = new int[2];
        int naks = 0, unanswered = 0, exchanges = 0;
        Task clientLoop = Task.Run(() =>
        {
            while (!writerDone.IsCancellationRequested)
            {
                exchanges++;
                DhcpReply? offer = client.Discover(timeout: TimeSpan.FromSeconds(1));
                if (offer is null)
                {
                    unanswered++;
                    continue;
                }

                int? version = Classify(offer, inconsistent);
                if (version is null)
                {
                    continue;
                }

                seen[version.Value]++;
                DhcpReply? answer = client.Request(null, offer.Yiaddr, offer.Packet.ServerId, timeout: TimeSpan.FromSeconds(1));
                if (answer is null)
                {
                    unanswered++;
                }
                else if (answer.Type == Dhcp4MessageType.Nak)
                {
                    naks++; // the configuration changed between the OFFER and the REQUEST
                }
                else if (Classify(answer, inconsistent) is { } v)
                {
                    seen[v]++;
                }
            }
        }, TestContext.Current.CancellationToken);

        try
        {
            int reloads = ReloadCount(server);
            for (int i = 0; i < 20; i++)
            {
                (string hosts, string opts) = configurations[(i + 1) % 2];
                ReplaceByRename(lab.HostsFile, hosts);
                ReplaceByRename(lab.OptsFile, opts);
                Assert.True(Native.kill(server.Pid, Native.SigHup) == 0, $"kill -HUP {server.Pid}: {Native.LastError()}");
                if (ServerProcess.IsDnsmasq)
                {
                    await Task.Delay(300, TestContext.Current.CancellationToken);
                }
                else
                {
                    // One reload per SIGHUP, in order, so the next rename never races this reload.
                    await server.WaitForOutputAsync(l => l.Contains("SIGHUP: reloaded", StringComparison.Ordinal), reloads + i + 1, TimeSpan.FromSeconds(3));
                    await Task.Delay(100, TestContext.Current.CancellationToken);
                }
            }
        }
        finally
        {
            await writerDone.CancelAsync();
            await clientLoop;
        }

        NetworkLab.Log($"{exchanges} exchanges: {seen[0]} replies for A, {seen[1]} for B, {naks} NAKs, {unanswered} unanswered");
        Assert.True(inconsistent.Count == 0, $"Replies that are neither the old nor the new configuration:\n{string.Join('\n', inconsistent)}");
        Assert.True(seen[0] > 0 && seen[1] > 0, $"Expected replies for both configurations, saw A {seen[0]}, B {seen[1]}");
        Assert.True(unanswered <= 2, $"{unanswered} of {exchanges} exchanges went unanswered");
        server.AssertAlive();
        string[] complaints = server.OutputLines.Where(l =>
            l.Contains(" warn: ", StringComparison.Ordinal) || l.Contains(" fail: ", StringComparison.Ordinal) || l.Contains(" crit: ", StringComparison.Ordinal)
            || l.Contains("error", StringComparison.OrdinalIgnoreCase) || l.Contains("bad ", StringComparison.OrdinalIgnoreCase)).ToArray();
        Assert.True(complaints.Length == 0, $"The server complained while files were replaced:\n{string.Join('\n', complaints)}");
    }

    private static int ReloadCount(ServerProcess server) =>
        server.OutputLines.Count(l => l.Contains("SIGHUP: reloaded", StringComparison.Ordinal));

    /// <summary>The agent's replace_file: a temporary file in the same directory, then rename over the old one.</summary>
    private static void ReplaceByRename(string path, string content)
    {
        string temp = Path.Combine(Path.GetDirectoryName(path)!, $"tmp{Guid.NewGuid():N}");
        File.WriteAllText(temp, content);
        File.SetUnixFileMode(temp, (UnixFileMode)0b110_100_100);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>0 for configuration A, 1 for B; null (and a note) when the reply mixes them or lacks a part.</summary>
    private static int? Classify(DhcpReply reply, List<string> inconsistent)
    {
        IPv4Address[] routers = reply.Packet.AddressListOption(Dhcp4OptionCode.Router);
        IPv4Address[] dns = reply.Packet.AddressListOption(Dhcp4OptionCode.DomainNameServer);
        string? hostName = reply.Packet.TextOption(Dhcp4OptionCode.HostName);
        string address = reply.Yiaddr.ToString();
        (string Address, string Router, string Dns, string Host)[] expected =
        [
            ("10.77.0.42", "10.77.0.1", "10.77.0.53", "host-10-77-0-42"),
            ("10.77.0.44", "10.77.0.2", "10.77.0.54", "host-10-77-0-44"),
        ];
        int hostVersion = Array.FindIndex(expected, e => e.Address == address && (reply.Type != Dhcp4MessageType.Ack || e.Host == hostName));
        int optsVersion = Array.FindIndex(expected, e => routers.Length == 1 && routers[0].ToString() == e.Router && dns.Length == 1 && dns[0].ToString() == e.Dns);
        if (hostVersion < 0 || optsVersion < 0)
        {
            lock (inconsistent)
            {
                inconsistent.Add(reply.ToString());
            }

            return null;
        }

        // Host and opts files are two renames; a reply may combine the new hosts file with the old opts file only
        // if a reload ran between the two renames, which the writer's wait for each reload rules out for qdhcp.
        return hostVersion;
    }

    [Fact]
    public async Task UnknownOption_ExitsNonZero_AndStderrNamesIt()
    {
        await using NetworkLab lab = NetworkLab.Create(LabOptions.Neutron);
        string subnet = NewSubnetId();
        NeutronSamples.WriteFiles(lab, subnet);

        DaemonLaunch run = await DaemonLaunch.RunAsync(lab, [.. lab.NeutronArguments(subnet, foreground: true), "--frobnicate"], TimeSpan.FromSeconds(10));

        Assert.True(run.ExitCode is { } code && code != 0, $"Expected a non-zero exit: {run}");
        if (!ServerProcess.IsDnsmasq)
        {
            // dnsmasq only says "bad command line options: try --help"; qdhcp names the option.
            Assert.Contains("--frobnicate", run.Stderr);
        }

        Assert.False(File.Exists(lab.PidFile), "The server wrote a pid file despite the unknown option");
    }

    [Fact]
    public async Task HostsFileWithABadLine_LogsFileLineAndReason_AndServesTheOtherHosts()
    {
        ServerProcess.SkipUnderDnsmasq("dnsmasq 2.90 takes '10.77.0.299' for a host name and logs nothing about the line.");
        await using NetworkLab lab = NetworkLab.Create(LabOptions.Neutron);
        string subnet = NewSubnetId();
        NeutronSamples.WriteFiles(lab, subnet);
        lab.WriteHosts(NeutronSamples.Hosts[0], "fa:16:3e:77:00:99,host-10-77-0-99.openstacklocal,10.77.0.299", NeutronSamples.Hosts[1]);
        ServerProcess server = await lab.StartServerAsync(lab.NeutronArguments(subnet));
        using CraftedClient client = CraftedClient.Open(lab.AddVm(MacAddress.Parse("fa:16:3e:aa:77:03")));

        Assert.Equal(NeutronSamples.Ip42, client.Dora(NeutronSamples.Mac42).Yiaddr);
        Assert.Equal(NeutronSamples.Ip46, client.Dora(NeutronSamples.Mac43).Yiaddr);
        Assert.Null(client.Discover(MacAddress.Parse("fa:16:3e:77:00:99"), timeout: TimeSpan.FromMilliseconds(500)));

        // "<DIR>/host:2: <reason>; line skipped"
        string? report = server.OutputLines.FirstOrDefault(l => l.Contains($"{lab.HostsFile}:2: ", StringComparison.Ordinal));
        Assert.True(report is not null, $"No log line names {lab.HostsFile} line 2.\noutput:\n{server.Output}");
        string reason = report[(report.IndexOf($"{lab.HostsFile}:2: ", StringComparison.Ordinal) + lab.HostsFile.Length + 4)..];
        Assert.True(reason.Contains("10.77.0.299", StringComparison.Ordinal) || reason.Contains("address", StringComparison.OrdinalIgnoreCase),
            $"The report does not say what is wrong with the line: '{report}'");
        Assert.DoesNotContain(server.OutputLines, l => l.Contains($"{lab.HostsFile}:1:", StringComparison.Ordinal) || l.Contains($"{lab.HostsFile}:3:", StringComparison.Ordinal));
        server.AssertAlive();
    }
}

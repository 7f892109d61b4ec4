using System.Buffers.Binary;
using Qdhcp.Integration.Tests.Infrastructure;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Integration.Tests;

/// <summary>How the server lives with its agent and its network: reloads, garbage, load, the lease limit.</summary>
[Trait("Category", "Namespace")]
public sealed class ServerBehaviourTests
{
    private static readonly IPv4Address Server = NetworkLab.ServerAddress;

    [Fact]
    public async Task Sighup_ReloadsHosts_NewHostGetsAddress_MovedHostGetsNakThenNewAddress()
    {
        await using NetworkLab lab = NetworkLab.Create();
        lab.WriteCaptureConfiguration();
        ServerProcess server = await lab.StartServerAsync();
        using CraftedClient client = CraftedClient.Open(lab.AddVm(MacAddress.Parse("fa:16:3e:aa:aa:02")));
        MacAddress mac7 = MacAddress.Parse("fa:16:3e:ac:00:07");
        Assert.Equal(Seeds.Ip("10.10.10.5"), client.Dora(Seeds.Mac5).Yiaddr);
        Assert.Null(client.Discover(mac7, timeout: TimeSpan.FromSeconds(1)));

        // What the agent does on a port update: rewrite the files (rename over), then SIGHUP.
        lab.WriteHosts(
            "fa:16:3e:fe:c7:87,host-10-10-10-2.openstacklocal,10.10.10.2",
            "fa:16:3e:ac:00:05,host-10-10-10-15.openstacklocal,10.10.10.15",
            "fa:16:3e:ac:00:06,host-10-10-10-6.openstacklocal,10.10.10.6",
            "fa:16:3e:ac:00:07,host-10-10-10-7.openstacklocal,10.10.10.7");
        await server.ReloadAsync();

        Assert.Equal(Seeds.Ip("10.10.10.7"), client.Dora(mac7).Yiaddr);
        DhcpReply? nak = client.Request(Seeds.Mac5, Seeds.Ip("10.10.10.5"), serverId: null);
        Assert.True(nak?.Type == Dhcp4MessageType.Nak, $"Expected NAK for the old address, got {nak?.ToString() ?? "nothing"}");
        DhcpReply? offer = client.Discover(Seeds.Mac5);
        Assert.NotNull(offer);
        Assert.Equal(Seeds.Ip("10.10.10.15"), offer.Yiaddr);
        server.AssertAlive();
    }

    [Fact]
    public async Task MalformedPackets_DoNotHurt_ThenDoraStillWorks()
    {
        await using NetworkLab lab = NetworkLab.Create();
        ServerProcess server = await lab.StartServerAsync();
        IPv4Address from = Seeds.Ip("10.10.10.50");
        Vm vm = lab.AddVm(MacAddress.Parse("fa:16:3e:aa:aa:03"), "10.10.10.50/24");
        using CraftedClient client = CraftedClient.Open(vm);

        List<byte[]> garbage = MalformedPayloads(new Random(20251125), vm.Mac).ToList();
        Assert.True(garbage.Count >= 200);
        for (int i = 0; i < garbage.Count; i++)
        {
            // Alternate: unicast to the server through the kernel, broadcast through the kernel, raw from 0.0.0.0.
            switch (i % 3)
            {
                case 0: client.SendUdp(garbage[i], from, Server); break;
                case 1: client.SendUdp(garbage[i], from, IPv4Address.Broadcast); break;
                default: client.SendBroadcastPayload(garbage[i]); break;
            }
        }

        await Task.Delay(500, TestContext.Current.CancellationToken);
        server.AssertAlive();
        Assert.Equal(Seeds.Ip("10.10.10.2"), client.Dora(Seeds.Mac2).Yiaddr);
        server.AssertAlive();
    }

    [Fact]
    public async Task FiftyClientsAtOnce_EachGetsItsOwnReservedAddress()
    {
        await using NetworkLab lab = NetworkLab.Create();
        MacAddress[] macs = Enumerable.Range(0, 50).Select(i => MacAddress.Parse($"fa:16:3e:10:00:{i:x2}")).ToArray();
        lab.WriteCaptureConfiguration(macs.Select((m, i) => $"{m},host-10-10-10-{100 + i}.openstacklocal,10.10.10.{100 + i}"));
        ServerProcess server = await lab.StartServerAsync();
        using CraftedClient client = CraftedClient.Open(lab.AddVm(MacAddress.Parse("fa:16:3e:aa:aa:04")));
        Dictionary<MacAddress, IPv4Address> expected = macs.Select((m, i) => (m, ip: Seeds.Ip($"10.10.10.{100 + i}"))).ToDictionary(p => p.m, p => p.ip);

        Dictionary<MacAddress, DhcpReply> offers = Exchange(client, macs, mac => CraftedClient.DiscoverPacket(mac, CraftedClient.NewXid()), Dhcp4MessageType.Offer);
        Assert.True(offers.Count == macs.Length, $"{offers.Count} of {macs.Length} clients got an OFFER");
        Dictionary<MacAddress, DhcpReply> acks = Exchange(client, macs,
            mac => CraftedClient.RequestPacket(mac, CraftedClient.NewXid(), offers[mac].Yiaddr, offers[mac].Packet.ServerId), Dhcp4MessageType.Ack);
        Assert.True(acks.Count == macs.Length, $"{acks.Count} of {macs.Length} clients got an ACK");

        foreach (MacAddress mac in macs)
        {
            Assert.Equal(expected[mac], acks[mac].Yiaddr);
        }

        Assert.Equal(macs.Length, acks.Values.Select(a => a.Yiaddr).Distinct().Count());
        server.AssertAlive();
    }

    [Fact]
    public async Task LeaseMaxTwo_ThirdHostGetsNoLease()
    {
        await using NetworkLab lab = NetworkLab.Create();
        lab.WriteCaptureConfiguration();
        ServerProcess server = await lab.StartServerAsync(lab.SeedArguments(leaseMax: 2));
        using CraftedClient client = CraftedClient.Open(lab.AddVm(MacAddress.Parse("fa:16:3e:aa:aa:05")));

        Assert.Equal(Seeds.Ip("10.10.10.2"), client.Dora(Seeds.Mac2).Yiaddr);
        Assert.Equal(Seeds.Ip("10.10.10.5"), client.Dora(Seeds.Mac5).Yiaddr);
        DhcpReply? offer = client.Discover(Seeds.Mac6, timeout: TimeSpan.FromSeconds(2));
        DhcpReply? answer = offer is null
            ? client.Request(Seeds.Mac6, Seeds.Ip("10.10.10.6"), Server, timeout: TimeSpan.FromSeconds(2))
            : client.Request(Seeds.Mac6, offer.Yiaddr, offer.Packet.ServerId, timeout: TimeSpan.FromSeconds(2));

        Assert.True(answer?.Type != Dhcp4MessageType.Ack, $"The third host got a lease beyond --dhcp-lease-max=2: {answer}");
        server.AssertAlive();
    }

    /// <summary>SIGUSR1 writes statistics to the log, as dnsmasq does: the counters of what was served, the leases, memory.</summary>
    [Fact]
    public async Task Sigusr1_LogsStatistics_WithTheExchangeJustServed()
    {
        ServerProcess.SkipUnderDnsmasq("the statistics line is qdhcp's own format");
        await using NetworkLab lab = NetworkLab.Create();
        lab.WriteCaptureConfiguration();
        ServerProcess server = await lab.StartServerAsync();
        using CraftedClient client = CraftedClient.Open(lab.AddVm(MacAddress.Parse("fa:16:3e:aa:aa:06")));
        Assert.Equal(Seeds.Ip("10.10.10.5"), client.Dora(Seeds.Mac5).Yiaddr);

        Assert.Equal(0, Native.kill(server.Pid, Native.SigUsr1));
        string line = (await server.WaitForOutputAsync(l => l.Contains("Statistics (SIGUSR1)", StringComparison.Ordinal), 1, TimeSpan.FromSeconds(10)))[0];

        Assert.Contains("1 DISCOVER, 1 REQUEST", line);
        Assert.Contains("1 OFFER, 1 ACK, 0 NAK", line);
        Assert.Contains("1 leases", line);
        Assert.Matches(@"RSS \d+\.\d MiB \(anonymous", line);
        server.AssertAlive();
    }

    /// <summary>
    /// The DHCP socket's receive buffer is 4 MiB unless <c>--dhcp-receive-buffer</c> says otherwise, read back from the
    /// kernel with <c>ss</c> (which shows the doubled value the kernel keeps, socket(7)). The server runs as root here,
    /// so SO_RCVBUFFORCE goes past net.core.rmem_max.
    /// </summary>
    [Theory]
    [InlineData(null, 8 << 20)]
    [InlineData("--dhcp-receive-buffer=1M", 2 << 20)]
    [InlineData("--dhcp-receive-buffer=12M", 24 << 20)]
    public async Task DhcpSocket_ReceiveBuffer_IsWhatWasAskedFor(string? option, long expectedKernelBytes)
    {
        ServerProcess.SkipUnderDnsmasq("--dhcp-receive-buffer is a qdhcp extension");
        await using NetworkLab lab = NetworkLab.Create();
        lab.WriteCaptureConfiguration();
        List<string> arguments = lab.SeedArguments();
        if (option is not null)
        {
            arguments.Add(option);
        }

        ServerProcess server = await lab.StartServerAsync(arguments);
        string sockets = Shell.Check("ip", "netns", "exec", lab.ServerNamespace, "ss", "-uamn", "sport = :67");
        System.Text.RegularExpressions.Match rb = System.Text.RegularExpressions.Regex.Match(sockets, @"\brb(\d+)");
        Assert.True(rb.Success, "no UDP socket on port 67 in ss's output:\n" + sockets);
        Assert.Equal(expectedKernelBytes, long.Parse(rb.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        server.AssertAlive();
    }

    /// <summary>Sends one message per MAC, all at once, then collects replies; resends to those still missing, twice.</summary>
    private static Dictionary<MacAddress, DhcpReply> Exchange(CraftedClient client, MacAddress[] macs, Func<MacAddress, DhcpPacket> build, Dhcp4MessageType type)
    {
        Dictionary<MacAddress, DhcpReply> got = [];
        for (int round = 0; round < 3 && got.Count < macs.Length; round++)
        {
            Dictionary<uint, MacAddress> pending = [];
            foreach (MacAddress mac in macs.Where(m => !got.ContainsKey(m)))
            {
                DhcpPacket packet = build(mac);
                pending[packet.Xid] = mac;
                client.SendBroadcast(packet);
            }

            foreach (DhcpReply reply in client.ReceiveReplies(r => pending.ContainsKey(r.Packet.Xid) && r.Type == type, pending.Count, TimeSpan.FromSeconds(4)))
            {
                got[pending[reply.Packet.Xid]] = reply;
            }
        }

        return got;
    }

    /// <summary>At least 200 broken datagrams: random bytes, truncations, bad cookies, lying lengths, odd headers.</summary>
    private static IEnumerable<byte[]> MalformedPayloads(Random random, MacAddress mac)
    {
        byte[] valid = CraftedClient.DiscoverPacket(mac, 0x12345678).Encode();
        for (int i = 0; i < 50; i++)
        {
            byte[] bytes = new byte[random.Next(0, 700)];
            random.NextBytes(bytes);
            yield return bytes;
        }

        for (int i = 0; i < 40; i++)
        {
            yield return valid[..random.Next(0, 244)];
        }

        for (int i = 0; i < 30; i++)
        {
            byte[] bytes = (byte[])valid.Clone();
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(Dhcp4Header.MagicCookieOffset), (uint)random.Next());
            yield return bytes;
        }

        for (int i = 0; i < 40; i++)
        {
            // An option whose length runs past the datagram, at the end or in the middle of the options.
            byte[] bytes = valid[..(Dhcp4Header.OptionsOffset + 3 + random.Next(0, 10))];
            bytes[Dhcp4Header.OptionsOffset] = (byte)Dhcp4OptionCode.DhcpMessageType;
            bytes[Dhcp4Header.OptionsOffset + 1] = (byte)random.Next(2, 256);
            yield return bytes;
        }

        for (int i = 0; i < 20; i++)
        {
            // Message type with a wrong length or an unknown value; no End; all Pad; option 52 pointing at garbage.
            DhcpPacket packet = CraftedClient.DiscoverPacket(mac, (uint)random.Next());
            packet.Options.Clear();
            packet.Add(Dhcp4OptionCode.DhcpMessageType, i % 2 == 0 ? [1, 3] : [(byte)random.Next(9, 256)]);
            byte[] bytes = packet.Encode();
            if (i % 4 == 1)
            {
                bytes = bytes[..(Dhcp4Header.OptionsOffset + 3)];
            }

            yield return bytes;
        }

        for (int i = 0; i < 10; i++)
        {
            DhcpPacket packet = CraftedClient.DiscoverPacket(mac, (uint)random.Next());
            packet.Add(Dhcp4OptionCode.OptionOverload, [3]);
            byte[] bytes = packet.Encode();
            random.NextBytes(bytes.AsSpan(Dhcp4Header.SnameOffset, Dhcp4Header.SnameLength + Dhcp4Header.FileLength));
            yield return bytes;
        }

        for (int i = 0; i < 20; i++)
        {
            // Header oddities: hlen 0 or > 16, htype not Ethernet, op BOOTREPLY, hops 255, giaddr without relay.
            byte[] bytes = (byte[])valid.Clone();
            switch (i % 5)
            {
                case 0: bytes[Dhcp4Header.HlenOffset] = (byte)(i % 2 == 0 ? 0 : 200); break;
                case 1: bytes[Dhcp4Header.HtypeOffset] = (byte)random.Next(2, 256); break;
                case 2: bytes[Dhcp4Header.OpOffset] = (byte)BootpOperation.BootReply; break;
                case 3: bytes[Dhcp4Header.HopsOffset] = 255; break;
                default: bytes[Dhcp4Header.GiaddrOffset] = 10; bytes[Dhcp4Header.GiaddrOffset + 3] = 99; break;
            }

            yield return bytes;
        }

        for (int i = 0; i < 10; i++)
        {
            // Huge: a datagram of 1400 bytes of options that never end.
            byte[] bytes = new byte[1400];
            valid.AsSpan(0, Dhcp4Header.OptionsOffset).CopyTo(bytes);
            for (int p = Dhcp4Header.OptionsOffset; p + 1 < bytes.Length; p += 2)
            {
                bytes[p] = (byte)random.Next(1, 254);
                bytes[p + 1] = 0;
            }

            yield return bytes;
        }
    }
}

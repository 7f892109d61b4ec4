using CsCheck;
using Qdhcp.Engine.Dhcp4;
using Qdhcp.Engine.Leases;
using Qdhcp.Engine.Model;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;
using static Qdhcp.Engine.Tests.TestNetwork;

namespace Qdhcp.Engine.Tests;

/// <summary>Properties of the whole engine (STYLE.md §5), checked with CsCheck.</summary>
public class Dhcp4EnginePropertyTests
{
    /// <summary>Every host address the properties may reserve: 10.10.10.1-254 without the server's .3.</summary>
    private static readonly IPv4Address[] ReservableAddresses =
        Enumerable.Range(1, 254).Where(i => i != 3).Select(i => IPv4Address.FromOctets(10, 10, 10, (byte)i)).ToArray();

    /// <summary>The captures' configuration plus iPXE-tagged options, so the request-tag path runs too.</summary>
    private static Dhcp4Configuration FuzzConfiguration() =>
        Configuration(options: [.. DefaultOptions, Option(67, "boot.ipxe"u8.ToArray(), "ipxe"), Option(66, "tftp"u8.ToArray(), "!ipxe")]) with
        {
            Reservations =
            [
                .. DefaultHosts,
                new Reservation(null, [0x01, 0x02, 0x03], "by-id", IPv4Address.Parse("10.10.10.9"), 600, ["port-x"]),
                new Reservation(MacAddress.Parse("fa:16:3e:00:00:10"), null, null, IPv4Address.Parse("10.10.10.10"), null, [], Ignore: true),
            ],
        };

    [Fact]
    public void Process_ArbitraryBytes_NeverThrowsAndRepliesParse()
    {
        Gen.Byte.Array[0, 1500].Sample(bytes => ProcessAndCheck(NewEngine(FuzzConfiguration()), bytes), iter: 3000);
    }

    [Fact]
    public void Process_ValidHeaderWithArbitraryOptions_NeverThrowsAndRepliesParse()
    {
        byte[] header = new TestDhcp4Client(NewEngine(), Vm1).BuildDiscover()[..Dhcp4Header.OptionsOffset];
        Gen.Byte.Array[0, 1260].Sample(
            options =>
            {
                byte[] datagram = [.. header, .. options];
                ProcessAndCheck(NewEngine(FuzzConfiguration()), datagram);
            },
            iter: 3000);
    }

    [Fact]
    public void Process_MutatedValidRequests_NeverThrowsAndRepliesParse()
    {
        byte[][] bases = ValidRequests();
        Gen<(int Base, (int At, byte Value)[] Mutations, int Length)> gen = Gen.Select(
            Gen.Int[0, bases.Length - 1],
            Gen.Select(Gen.Int[0, 1499], Gen.Byte).Array[0, 16],
            Gen.Int[0, 1500]);

        gen.Sample(
            sample =>
            {
                byte[] datagram = (byte[])bases[sample.Base].Clone();
                foreach ((int at, byte value) in sample.Mutations)
                {
                    datagram[at % datagram.Length] = value;
                }

                if (sample.Length < datagram.Length && sample.Length % 3 == 0)
                {
                    datagram = datagram[..sample.Length];
                }

                Dhcp4Engine engine = NewEngine(FuzzConfiguration());
                var warm = new TestDhcp4Client(engine, Vm1);
                warm.DoDora();
                ProcessAndCheck(engine, datagram);
            },
            iter: 3000);
    }

    [Fact]
    public void Process_EveryValidRequest_RepliesFitEvenTinyButLegalBuffers()
    {
        foreach (byte[] request in ValidRequests())
        {
            ProcessAndCheck(NewEngine(FuzzConfiguration()), request, replyBufferLength: Dhcp4Header.MinimumBootpLength);
        }
    }

    [Fact]
    public void DoDora_RandomReservations_EveryHostGetsExactlyItsAddress()
    {
        Gen<(IPv4Address[] Addresses, ulong[] Macs, int[] Order)> gen =
            Gen.Int[1, 200].SelectMany(n => Gen.Select(
                Gen.Shuffle(ReservableAddresses, n),
                Gen.ULong[1, 0xFFFF_FFFF_FFFF].ArrayUnique[n],
                Gen.Shuffle(Enumerable.Range(0, n).ToArray())));

        gen.Sample(
            sample =>
            {
                (IPv4Address[] addresses, ulong[] macs, int[] order) = sample;
                Reservation[] hosts = addresses.Select((a, i) => Host(new MacAddress(macs[i]), a, $"host-{i}")).ToArray();
                Dhcp4Engine engine = NewEngine(Configuration(hosts: hosts));
                var clock = new TestClock();
                var given = new HashSet<IPv4Address>();

                foreach (int i in order)
                {
                    var client = new TestDhcp4Client(engine, hosts[i].Mac!.Value, clock);
                    ParsedReply? ack = client.DoDora();
                    Assert.NotNull(ack);
                    Assert.Equal(Dhcp4MessageType.Ack, ack.MessageType);
                    Assert.Equal(addresses[i], ack.Yiaddr);
                    Assert.True(given.Add(ack.Yiaddr), $"{ack.Yiaddr} given twice");
                    clock.Advance(1);
                }

                Assert.Equal(addresses.Length, engine.Leases.Count);
                foreach (LeaseRecord lease in engine.Leases.ToRecords())
                {
                    int i = Array.IndexOf(addresses, lease.Address);
                    Assert.Equal(new MacAddress(macs[i]), lease.Mac);
                }
            },
            iter: 60,
            print: s => $"{s.Addresses.Length} hosts");
    }

    private enum Step
    {
        Dora,
        Discover,
        Renew,
        Rebind,
        Release,
        Decline,
        InitRebootReserved,
        InitRebootOther,
        Advance,
        ReloadShuffled,
    }

    [Fact]
    public void Exchanges_RandomInterleavings_NoAddressEverHeldByTwoClients()
    {
        const int Hosts = 6;
        Gen<(Step Step, int Client, int Value)> step = Gen.Select(Gen.Enum<Step>(), Gen.Int[0, Hosts - 1], Gen.Int[1, 150]);
        Gen<(int LeaseMax, (Step Step, int Client, int Value)[] Steps)> gen = Gen.Select(Gen.Int[1, Hosts + 1], step.Array[1, 80]);

        gen.Sample(
            sample =>
            {
                MacAddress[] macs = Enumerable.Range(0, Hosts).Select(i => new MacAddress(0xfa163e000100UL + (ulong)i)).ToArray();
                IPv4Address[] reserved = Enumerable.Range(0, Hosts).Select(i => IPv4Address.FromOctets(10, 10, 10, (byte)(20 + i))).ToArray();
                Dhcp4Configuration Config() => Configuration(hosts: macs.Select((m, i) => Host(m, reserved[i])).ToArray(), leaseMax: sample.LeaseMax);

                Dhcp4Engine engine = NewEngine(Config());
                var clock = new TestClock();
                TestDhcp4Client[] clients = macs.Select(m => new TestDhcp4Client(engine, m, clock)).ToArray();
                var bound = new (IPv4Address Address, long Until)?[Hosts];

                foreach ((Step kind, int c, int value) in sample.Steps)
                {
                    TestDhcp4Client client = clients[c];
                    bool isBound = bound[c] is { } b && b.Until > clock.Now;
                    ParsedReply? reply = null;
                    switch (kind)
                    {
                        case Step.Dora:
                            reply = client.DoDora();
                            break;
                        case Step.Discover:
                            ParsedReply? offer = client.DoDiscover();
                            if (offer is not null)
                            {
                                Assert.Equal(reserved[c], offer.Yiaddr);
                            }

                            break;
                        case Step.Renew when isBound:
                            reply = client.DoRenew();
                            break;
                        case Step.Rebind when isBound:
                            reply = client.DoRebind();
                            break;
                        case Step.Release when isBound:
                            client.DoRelease();
                            bound[c] = null;
                            break;
                        case Step.Decline when isBound:
                            client.DoDecline();
                            bound[c] = null;
                            break;
                        case Step.InitRebootReserved:
                            reply = client.DoInitReboot(reserved[c]);
                            break;
                        case Step.InitRebootOther:
                            reply = client.DoInitReboot(reserved[value % Hosts]);
                            break;
                        case Step.Advance:
                            clock.Advance(value);
                            break;
                        case Step.ReloadShuffled:
                            // Neutron moves fixed IPs between ports: rotate the reservations.
                            int by = value % Hosts;
                            reserved = [.. reserved[by..], .. reserved[..by]];
                            engine.Reload(Dhcp4NetworkSnapshot.Compile(Config()));
                            break;
                    }

                    if (reply?.MessageType == Dhcp4MessageType.Ack)
                    {
                        Assert.Equal(reserved[c], reply.Yiaddr);
                        bound[c] = (reply.Yiaddr, clock.Now + reply.UInt32Option(Dhcp4OptionCode.IPAddressLeaseTime));
                    }
                    else if (reply?.MessageType == Dhcp4MessageType.Nak)
                    {
                        bound[c] = null;
                    }

                    AssertSafe(engine, clock.Now, macs, bound, sample.LeaseMax);
                }
            },
            iter: 400,
            print: s => $"lease-max {s.LeaseMax}: " + string.Join(" ", s.Steps.Select(x => $"{x.Step}({x.Client},{x.Value})")));
    }

    /// <summary>Clients that believe they are bound hold distinct addresses, and the server's table agrees with each of them.</summary>
    private static void AssertSafe(Dhcp4Engine engine, long now, MacAddress[] macs, (IPv4Address Address, long Until)?[] bound, int leaseMax)
    {
        var holders = new Dictionary<IPv4Address, int>();
        for (int i = 0; i < bound.Length; i++)
        {
            if (bound[i] is not { } b || b.Until <= now)
            {
                continue;
            }

            Assert.True(holders.TryAdd(b.Address, i), $"{b.Address} bound by clients {holders.GetValueOrDefault(b.Address)} and {i} at once");
            Assert.True(engine.Leases.TryGet(b.Address, out LeaseRecord lease), $"client {i} is bound to {b.Address} but the server has no lease");
            Assert.Equal(macs[i], lease.Mac);
            Assert.True(lease.ExpiresUnixSeconds > now);
        }

        List<LeaseRecord> records = engine.Leases.ToRecords();
        Assert.True(records.Count <= leaseMax, $"{records.Count} leases with lease-max {leaseMax}");
        Assert.Equal(records.Count, records.Select(r => r.Address).Distinct().Count());
    }

    /// <summary>Well-formed requests of every kind and shape, as mutation seeds.</summary>
    private static byte[][] ValidRequests()
    {
        Dhcp4Engine engine = NewEngine();
        var plain = new TestDhcp4Client(engine, Vm1);
        var rich = new TestDhcp4Client(engine, Vm2)
        {
            ClientId = [0x01, 0x02, 0x03],
            MaxMessageSize = 576,
            Giaddr = Relay,
            BroadcastFlag = true,
            RelayAgentInfo = [1, 3, 0x61, 0x62, 0x63],
            RequestedOptions = [.. Enumerable.Range(1, 254).Select(i => (byte)i)],
        };
        rich.ExtraOptions.Add((175, [1, 1, 1]));
        rich.ExtraOptions.Add((77, "\u0004iPXE"u8.ToArray()));
        var noPrl = new TestDhcp4Client(engine, Vm3) { RequestedOptions = null };

        List<byte[]> requests = [];
        foreach (TestDhcp4Client c in new[] { plain, rich, noPrl })
        {
            requests.Add(c.BuildDiscover());
            requests.Add(c.BuildRequestSelecting(ServerAddress, Vm1Address));
            requests.Add(c.BuildRequestInitReboot(Vm2Address));
            requests.Add(c.BuildRequestRenewing(Vm3Address));
            requests.Add(c.BuildDecline(Vm1Address, ServerAddress));
            requests.Add(c.BuildRelease(Vm1Address, ServerAddress));
            requests.Add(c.BuildInform(Vm1Address));
        }

        // Option overload (RFC 2131 §4.1): 52 = 3, with the message type in file and the client-id in sname.
        byte[] overloaded = plain.BuildDiscover();
        overloaded.AsSpan(Dhcp4Header.OptionsOffset).Clear();
        ReadOnlySpan<byte> options = [52, 1, 3, 55, 2, 1, 3, 255];
        options.CopyTo(overloaded.AsSpan(Dhcp4Header.OptionsOffset));
        ReadOnlySpan<byte> file = [53, 1, 1, 255];
        file.CopyTo(overloaded.AsSpan(Dhcp4Header.FileOffset));
        ReadOnlySpan<byte> sname = [61, 3, 1, 2, 3, 255];
        sname.CopyTo(overloaded.AsSpan(Dhcp4Header.SnameOffset));
        requests.Add(overloaded);
        return [.. requests];
    }

    private static void ProcessAndCheck(Dhcp4Engine engine, byte[] datagram, int replyBufferLength = 1500)
    {
        byte[] reply = new byte[replyBufferLength];
        Dhcp4EngineResult result = engine.Process(new Dhcp4RequestContext(Interface, Epoch), datagram, reply);
        if (!result.HasReply)
        {
            Assert.NotEqual(Dhcp4DropReason.None, result.DropReason);
            Assert.Equal(0, result.Length);
            return;
        }

        Assert.Equal(Dhcp4DropReason.None, result.DropReason);
        Assert.InRange(result.Length, Dhcp4Header.MinimumBootpLength, replyBufferLength);
        Assert.Equal(Dhcp4ParseStatus.Ok, Dhcp4Reader.TryRead(datagram, out Dhcp4Reader request));
        Assert.InRange(result.Length, Dhcp4Header.MinimumBootpLength, Math.Max(Dhcp4Header.MinimumBootpLength, request.MaximumReplyLength));

        Assert.Equal(Dhcp4ParseStatus.Ok, Dhcp4Reader.TryRead(reply.AsSpan(0, result.Length), out Dhcp4Reader parsed));
        Assert.Equal(BootpOperation.BootReply, parsed.Op);
        Assert.Equal(request.Xid, parsed.Xid);
        Assert.Equal(result.ReplyType, parsed.MessageType);
        Assert.True(parsed.TryGetOption(Dhcp4OptionCode.ServerIdentifier, out ReadOnlySpan<byte> serverId));
        Assert.Equal(ServerAddress, IPv4Address.Read(serverId));
        Assert.Equal(Dhcp4Header.MinimumBootpLength <= result.Length ? 255 : -1, reply[IndexOfEnd(reply.AsSpan(0, result.Length))]);
    }

    /// <summary>The offset of the End option in the reply's options field.</summary>
    private static int IndexOfEnd(ReadOnlySpan<byte> reply)
    {
        int i = Dhcp4Header.OptionsOffset;
        while (i < reply.Length && reply[i] != 255)
        {
            i += reply[i] == 0 ? 1 : 2 + reply[i + 1];
        }

        Assert.True(i < reply.Length, "no End option");
        return i;
    }
}

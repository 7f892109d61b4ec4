using CsCheck;
using Qdhcp.Engine.Dhcp4;
using Qdhcp.Engine.Leases;
using Qdhcp.Engine.Model;
using Qdhcp.Wire.Primitives;
using static Qdhcp.Engine.Tests.TestNetwork;

namespace Qdhcp.Engine.Tests;

/// <summary>
/// The snapshot's host lookups (<see cref="HostIndex"/>) against a naive scan of the rows, and the host-name strings
/// the leases share with the snapshot.
/// </summary>
public class HostIndexTests
{
    /// <summary>Few MACs, addresses and client-id bytes, so random tables are full of duplicates.</summary>
    private static readonly MacAddress[] Macs = [.. Enumerable.Range(0, 7).Select(i => new MacAddress(0xfa163e000000UL + (ulong)i))];

    private static readonly IPv4Address[] Addresses = [.. Enumerable.Range(0, 7).Select(i => IPv4Address.FromOctets(10, 10, 10, (byte)(2 + i)))];

    /// <summary>Every client-id of 0-3 bytes from {0, 1, 2}: the empty one and 39 others.</summary>
    private static readonly byte[][] ClientIds =
    [
        .. Enumerable.Range(0, 4).SelectMany(length => Enumerable.Range(0, (int)Math.Pow(3, length)).Select(n => ClientIdOf(length, n))),
    ];

    /// <summary>All keys, two key bits (four home slots) and none (every key in slot 0: pure linear probing).</summary>
    private static readonly ulong[] KeyMasks = [ulong.MaxValue, 3, 0];

    private static readonly Gen<Reservation> GenRow = Gen.Select(
            Gen.Int[-1, Macs.Length - 2],            // the last MAC and address are never in a table
            Gen.Int[-1, Addresses.Length - 2],
            Gen.Int[-1, ClientIds.Length - 1],
            Gen.Int[0, 5],
            Gen.Int[-1, 2])
        .Select((mac, address, clientId, ignore, name) => new Reservation(
            mac < 0 ? null : Macs[mac],
            clientId < 0 ? null : ClientIds[clientId],
            name < 0 ? null : "host-" + name,
            address < 0 ? null : Addresses[address],
            null,
            [],
            Ignore: ignore == 0));

    [Fact]
    public void Lookups_RandomHostTables_EqualTheFirstMatchingRow()
    {
        Gen.Select(GenRow.Array[0, 40], Gen.Int[0, KeyMasks.Length - 1]).Sample(
            (rows, mask) =>
            {
                var index = new HostIndex(HostTable.From(rows), KeyMasks[mask]);
                foreach (MacAddress mac in Macs)
                {
                    Assert.Equal(FirstRow(rows, r => r.Mac == mac), index.FindByMac(mac.Value));
                }

                foreach (IPv4Address address in Addresses)
                {
                    Assert.Equal(FirstRow(rows, r => r.Address == address && !r.Ignore), index.FindByAddress(address.Value));
                }

                foreach (byte[] clientId in ClientIds)
                {
                    Assert.Equal(clientId.Length == 0 ? -1 : FirstRow(rows, r => r.ClientId is { } id && id.AsSpan().SequenceEqual(clientId)), index.FindByClientId(clientId));
                }

                Assert.Equal(rows.Where(r => r.Mac is not null).Select(r => r.Mac).Distinct().Count(), index.MacCount);
            },
            iter: 2000);
    }

    [Fact]
    public void FindHost_RandomHostTables_ClientIdFirstThenMacAsDnsmasq()
    {
        Gen.Select(GenRow.Array[0, 40], Gen.Int[0, KeyMasks.Length - 1]).Sample(
            (rows, mask) =>
            {
                Dhcp4NetworkSnapshot snapshot = Dhcp4NetworkSnapshot.Compile(Configuration(hosts: rows), KeyMasks[mask]);
                foreach (MacAddress mac in Macs)
                {
                    foreach (bool hasMac in (bool[])[true, false])
                    {
                        foreach (byte[] clientId in ClientIds)
                        {
                            int byId = clientId.Length == 0 ? -1 : FirstRow(rows, r => r.ClientId is { } id && id.AsSpan().SequenceEqual(clientId));
                            int expected = byId >= 0 ? byId : hasMac ? FirstRow(rows, r => r.Mac == mac) : -1;
                            HostEntry? found = snapshot.FindHost(mac, hasMac, clientId);
                            Assert.Equal(expected, found?.Row ?? -1);
                            if (found is { } host)
                            {
                                Assert.Equal(rows[expected].Address, host.Address);
                                Assert.Equal(rows[expected].HostName, host.HostName);
                            }
                        }
                    }
                }
            },
            iter: 300);
    }

    [Fact]
    public void IsReservedForAnother_RandomHostTables_TrueForAnotherRowsReservation()
    {
        Gen.Select(GenRow.Array[0, 40], Gen.Int[0, KeyMasks.Length - 1]).Sample(
            (rows, mask) =>
            {
                Dhcp4NetworkSnapshot snapshot = Dhcp4NetworkSnapshot.Compile(Configuration(hosts: rows), KeyMasks[mask]);
                foreach (MacAddress mac in Macs)
                {
                    HostEntry? client = snapshot.FindHost(mac, hasMac: true, default);
                    foreach (IPv4Address address in Addresses)
                    {
                        int owner = FirstRow(rows, r => r.Address == address && !r.Ignore);
                        Assert.Equal(owner >= 0 && owner != (client?.Row ?? -1), snapshot.IsReservedForAnother(address, client));
                    }
                }

                foreach (IPv4Address address in Addresses)
                {
                    Assert.Equal(FirstRow(rows, r => r.Address == address && !r.Ignore) >= 0, snapshot.IsReservedForAnother(address, null));
                }
            },
            iter: 500);
    }

    [Fact]
    public void HostName_AskedTwice_IsOneString()
    {
        Dhcp4NetworkSnapshot snapshot = Dhcp4NetworkSnapshot.Compile(Configuration());
        HostEntry host = snapshot.FindHost(Vm1, hasMac: true, default)!.Value;

        string? first = host.HostName;

        Assert.Equal("host-10-10-10-2", first);
        Assert.Same(first, snapshot.FindHost(Vm1, hasMac: true, default)!.Value.HostName);
    }

    [Fact]
    public void Reload_HostNamesUnchanged_NewSnapshotHandsOutTheLeasesStrings()
    {
        Reservation byId = new(null, [1, 2, 3], "by-id", IPv4Address.Parse("10.10.10.9"), null, []);
        Dhcp4Configuration configuration = Configuration(hosts: [.. DefaultHosts, byId]);
        Dhcp4Engine engine = NewEngine(configuration);
        var vm1 = new TestDhcp4Client(engine, Vm1);
        var idClient = new TestDhcp4Client(engine, Stranger) { ClientId = [1, 2, 3] };
        vm1.DoDora();
        idClient.DoDora();
        string leaseName = HostNameLeased(engine, Vm1Address);
        string idLeaseName = HostNameLeased(engine, byId.Address!.Value);

        // The same hosts in another order: rows move, names do not.
        engine.Reload(Dhcp4NetworkSnapshot.Compile(configuration with { Reservations = [byId, .. DefaultHosts.Reverse()] }));

        Assert.Same(leaseName, engine.Snapshot.FindHost(Vm1, hasMac: true, default)!.Value.HostName);
        Assert.Same(idLeaseName, engine.Snapshot.FindHost(Stranger, hasMac: true, [1, 2, 3])!.Value.HostName);
        vm1.Clock.Advance(60);
        vm1.DoRenew();
        Assert.Same(leaseName, HostNameLeased(engine, Vm1Address));
    }

    [Fact]
    public void Reload_HostRenamed_LeaseGetsTheNewName()
    {
        Dhcp4Engine engine = NewEngine();
        var vm1 = new TestDhcp4Client(engine, Vm1);
        vm1.DoDora();
        string oldName = HostNameLeased(engine, Vm1Address);

        engine.Reload(Dhcp4NetworkSnapshot.Compile(Configuration(hosts: [Host(Vm1, Vm1Address, "renamed"), .. DefaultHosts.Skip(1)])));
        vm1.Clock.Advance(60);
        vm1.DoRenew();

        Assert.Equal("host-10-10-10-2", oldName);
        Assert.Equal("renamed", HostNameLeased(engine, Vm1Address));
    }

    private static string HostNameLeased(Dhcp4Engine engine, IPv4Address address)
    {
        Assert.True(engine.Leases.TryGet(address, out LeaseRecord lease), $"no lease on {address}");
        return Assert.IsType<string>(lease.HostName);
    }

    private static int FirstRow(Reservation[] rows, Func<Reservation, bool> matches) => Array.FindIndex(rows, r => matches(r));

    private static byte[] ClientIdOf(int length, int n)
    {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++, n /= 3)
        {
            bytes[i] = (byte)(n % 3);
        }

        return bytes;
    }
}

using CsCheck;
using Qdhcp.Configuration.Dnsmasq;
using Qdhcp.Engine.Model;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Configuration.Tests;

/// <summary>
/// The loader's hosts path (<see cref="DnsmasqHostTableLoader"/>: span fast path for Neutron's lines, the reference
/// parser for the rest, conflicts dropped while reading) must give exactly what the reference pipeline gives:
/// <see cref="DnsmasqHostsFile.Parse"/>, <see cref="DnsmasqHostsFile.RemoveConflicts"/>, then one reservation per MAC.
/// </summary>
public sealed class HostTableLoaderTests
{
    private static readonly IPv4Subnet[] Subnets = [new(IPv4Address.Parse("10.10.10.0"), 24), new(IPv4Address.Parse("10.20.0.0"), 16)];

    /// <summary>Fields that exercise every branch: conflicts (few MACs and addresses), names in and out of the domain, all other field kinds.</summary>
    private static readonly string[] Fields =
    [
        "fa:16:3e:00:00:01", "fa:16:3e:00:00:02", "FA:16:3E:00:00:03", "fa-16-3e-00-00-04", "01-fa:16:3e:00:00:05", "02-fa:16:3e:00:00:06",
        "fa:16:3e:*:*:*", "fa:16:3e:00:00", "10.10.10.2", "10.10.10.3", "10.20.0.2", "192.0.2.9", "10.10.10.256",
        "host-10-10-10-2.openstacklocal", "host-a.openstacklocal.", "host-b", "host-c.", "Host-D.OpenStackLocal", "vm.example.com",
        "10.example", "45m", "infinite", "Infinite", "1h", "123", "set:port-1", "set:port-2", "set:", "set:a b", "net:old", "tag:foo",
        "tag:!bar", "id:01:fa:16:3e:00:00:01", "id:*", "id:", "id:client", "ignore", "[2001:db8::5]", "[fd00::1/64]", "[bad]",
        "\"quoted,name\"", " host-e ", "", "a_b", "-bad-", "x..y", "1.2.3", "host-10-10-10-2", "infinite.openstacklocal",
    ];

    private static readonly Gen<string> GenLine = Gen.OneOf(
        Gen.Int[0, Fields.Length - 1].Array[1, 5].Select(ix => string.Join(",", ix.Select(i => Fields[i]))),
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, 3], Gen.Int[0, 2]).Select((m, a, n) =>
            $"fa:16:3e:00:00:0{m},host-{n}.openstacklocal,10.10.10.{a + 2}"),
        Gen.Const("# a comment"),
        Gen.Const("   "));

    private static readonly Gen<string> GenFile = GenLine.Array[0, 12].Select(lines => string.Join("\n", lines));

    [Fact]
    public void Load_SameAsReferencePipeline_ForAnyLines()
    {
        Gen.Select(GenFile, Gen.Bool).Sample((text, crlf) => AssertSameAsReference(crlf ? text.Replace("\n", "\r\n") : text), iter: 2000);
    }

    [Theory]
    [InlineData("fa:16:3e:00:00:01,host-10-10-10-2.openstacklocal,10.10.10.2\nfa:16:3e:00:00:02,host-10-10-10-3.openstacklocal,10.10.10.2\n")]
    [InlineData("fa:16:3e:00:00:01,host-a.openstacklocal,10.10.10.2\nfa:16:3e:00:00:01,host-b.openstacklocal,10.10.10.3\nfa:16:3e:00:00:01,host-c,10.20.0.3\n")]
    [InlineData("fa:16:3e:00:00:01,set:port-1\nfa:16:3e:00:00:02,host-b,10.10.10.4,set:port-1\nfa:16:3e:00:00:03,host-c,10.10.10.5,set:port-2\n")]
    [InlineData("fa:16:3e:00:00:01,fa:16:3e:00:00:02,host-a,10.10.10.2\nfa:16:3e:00:00:02,host-b,10.10.10.2\nid:01:02,10.10.10.2\n")]
    [InlineData("fa:16:3e:00:00:01,host-a.example.com,10.10.10.2\nfa:16:3e:00:00:02,host-b,[2001:db8::5]\nfa:16:3e:00:00:03,tag:foo,host-c,10.10.10.9")]
    public void Load_SameAsReferencePipeline_Examples(string text) => AssertSameAsReference(text);

    [Fact]
    public void Load_NeutronLines_TableHoldsTheirFields()
    {
        var loader = new DnsmasqHostTableLoader(Subnets, "openstacklocal", 4);
        List<ConfigDiagnostic> diagnostics = [];
        loader.AddFile("fa:16:3e:00:00:01,host-10-10-10-2.openstacklocal,10.10.10.2\nfa:16:3e:00:00:02,host-10-10-10-3.openstacklocal,10.10.10.3,set:port-9\n", "host", diagnostics);
        HostTable table = loader.Finish(diagnostics);

        Assert.Empty(diagnostics);
        Assert.Equal(2, table.Count);
        Assert.Equal(MacAddress.Parse("fa:16:3e:00:00:02"), table.GetMac(1));
        Assert.Equal(IPv4Address.Parse("10.10.10.3"), table.GetAddress(1));
        Assert.Equal("host-10-10-10-3"u8.ToArray(), table.GetHostNameUtf8(1).ToArray());
        Assert.Equal(["port-9"], table.GetTagSet(1));
        Assert.Empty(table.GetTagSet(0));
        Assert.Null(table.GetLeaseSeconds(0));
        Assert.False(table.HasClientId(0));
    }

    private static void AssertSameAsReference(string text)
    {
        // The reference: what the loader did before it parsed into a host table.
        DnsmasqHostsFile parsed = DnsmasqHostsFile.Parse(text, "host", "openstacklocal", removeConflicts: false);
        List<ConfigDiagnostic> expectedDiagnostics = [.. parsed.Diagnostics];
        IReadOnlyList<DnsmasqHostEntry> kept = DnsmasqHostsFile.RemoveConflicts(parsed.Entries, Subnets, expectedDiagnostics);
        foreach (DnsmasqHostEntry entry in kept.Where(e => !e.IsIpv6Only && e.RequiredTags.Count > 0))
        {
            expectedDiagnostics.Add(new ConfigDiagnostic(ConfigSeverity.Warning, entry.File, entry.Line,
                $"tag: filters on host lines ({string.Join(",", entry.RequiredTags.Select(t => "tag:" + t))}) are not supported yet; the line applies to every request"));
        }

        Reservation[] expected = [.. kept.Where(e => !e.IsIpv6Only).SelectMany(e => e.ToReservations())];

        var loader = new DnsmasqHostTableLoader(Subnets, "openstacklocal", 1);
        List<ConfigDiagnostic> diagnostics = [];
        loader.AddFile(text, "host", diagnostics);
        HostTable table = loader.Finish(diagnostics);

        Assert.Equal(expectedDiagnostics.Select(d => d.ToString()), diagnostics.Select(d => d.ToString()));
        Assert.Equal(kept.Count(e => e.IsIpv6Only), loader.Ipv6Hosts.Count);
        Assert.Equal(expected.Length, table.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            Reservation e = expected[i];
            Reservation a = table[i];
            Assert.Equal(e.Mac, a.Mac);
            Assert.Equal(e.ClientId, a.ClientId);
            Assert.Equal(e.HostName, a.HostName);
            Assert.Equal(e.Address, a.Address);
            Assert.Equal(e.LeaseSeconds, a.LeaseSeconds);
            Assert.Equal(e.SetTags, a.SetTags);
            Assert.Equal(e.Ignore, a.Ignore);
        }
    }
}

/// <summary><see cref="AddnHostsTable"/> must read exactly what <see cref="AddnHostsFile.Parse"/> reads, with the same diagnostics.</summary>
public sealed class AddnHostsTableTests
{
    private static readonly string[] Words =
    [
        "10.77.0.42", "10.77.0.256", "fd00::7", "fd00::zz", "2001:db8::1", "host-10-77-0-42.openstacklocal", "host-10-77-0-42", "a_b",
        "-bad", "x..y", "#", "# comment", "\t", " ", "\r", "\f", "", "vm7", "1.2.3",
    ];

    private static readonly Gen<string> GenText = Gen.Int[0, Words.Length - 1].Array[0, 5]
        .Select(ix => string.Concat(ix.Select((w, n) => (n % 2 == 0 ? Words[w] : " ") + (n % 3 == 2 ? "\t" : ""))))
        .Array[0, 8].Select(lines => string.Join("\n", lines));

    [Fact]
    public void AddFile_SameAsAddnHostsFileParse()
    {
        GenText.Sample(text =>
        {
            AddnHostsFile expected = AddnHostsFile.Parse(text, "addn");
            var table = new AddnHostsTable();
            List<ConfigDiagnostic> diagnostics = [];
            table.AddFile(text, "addn", diagnostics);

            Assert.Equal(expected.Diagnostics.Select(d => d.ToString()), diagnostics.Select(d => d.ToString()));
            Assert.Equal(expected.Entries.Count, table.Count);
            for (int i = 0; i < table.Count; i++)
            {
                Assert.Equal(expected.Entries[i].Address, table[i].Address);
                Assert.Equal(expected.Entries[i].Names, table[i].Names);
            }
        }, iter: 2000);
    }

    [Fact]
    public void AddFile_NeutronLine_IPv4ParsedOnce()
    {
        var table = new AddnHostsTable();
        List<ConfigDiagnostic> diagnostics = [];
        table.AddFile("10.77.0.42\thost-10-77-0-42.openstacklocal host-10-77-0-42\nfd00::7 vm7\n", "addn", diagnostics);

        Assert.Empty(diagnostics);
        Assert.True(table.TryGetIPv4(0, out IPv4Address v4));
        Assert.Equal(IPv4Address.Parse("10.77.0.42"), v4);
        Assert.False(table.TryGetIPv4(1, out _));
        Assert.Equal("fd00::7", table.GetAddressText(1).ToString());
    }
}

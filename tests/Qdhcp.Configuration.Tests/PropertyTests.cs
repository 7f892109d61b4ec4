using CsCheck;
using Qdhcp.Configuration.Dnsmasq;
using Qdhcp.Engine.Leases;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Configuration.Tests;

public class PropertyTests
{
    private static readonly Gen<string> GenLabel =
        Gen.Select(Gen.Char["abcdefghijklmnopqrstuvwxyz"], Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-"], 0, 20])
            .Select((first, rest) => first + rest);

    private static readonly Gen<string> GenTag = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-_"], 1, 12];

    private static readonly Gen<MacAddress> GenMac = Gen.ULong.Select(v => new MacAddress(v & 0xFFFF_FFFF_FFFFUL));

    private static readonly Gen<DnsmasqHostEntry> GenEntry =
        Gen.Select(GenMac.Array[1, 3], Gen.UInt, GenLabel, GenTag.Array[0, 3], Gen.Byte.Array[0, 8], Gen.Select(Gen.Bool, Gen.UInt[120, 10_000_000]))
            .Select((macs, ip, name, tags, clientId, lease) => new DnsmasqHostEntry(
                macs,
                clientId.Length == 0 ? null : clientId,
                false,
                name,
                new IPv4Address(ip),
                [],
                lease.Item1 ? lease.Item2 : null,
                tags,
                [],
                false));

    [Fact]
    public void HostLine_FormatThenParse_RoundTrips()
    {
        GenEntry.Sample(entry =>
        {
            string line = DnsmasqHostsFile.FormatLine(entry);
            LineResult<DnsmasqHostEntry> parsed = DnsmasqHostsFile.ParseLine(line, "openstacklocal");
            Assert.True(parsed.IsParsed, line + ": " + parsed.Message);
            DnsmasqHostEntry e = parsed.Value!;
            Assert.Equal(entry.Macs, e.Macs);
            Assert.Equal(entry.Address, e.Address);
            Assert.Equal(entry.HostName, e.HostName);
            Assert.Equal(entry.SetTags, e.SetTags);
            Assert.Equal(entry.LeaseSeconds, e.LeaseSeconds);
            Assert.Equal(entry.ClientId, e.ClientId);
            Assert.Equal(line, DnsmasqHostsFile.FormatLine(e));
        });
    }

    [Fact]
    public void HostLine_WithDomain_ShortNameRecovered()
    {
        Gen.Select(GenMac, Gen.UInt, GenLabel).Sample((mac, ip, name) =>
        {
            string line = $"{mac},{name}.openstacklocal,{new IPv4Address(ip)}";
            LineResult<DnsmasqHostEntry> r = DnsmasqHostsFile.ParseLine(line, "openstacklocal");
            Assert.Equal(name, r.Value!.HostName);
            Assert.Empty(r.Warnings);
        });
    }

    [Fact]
    public void LeaseLine_FormatThenParse_RoundTrips()
    {
        Gen.Select(Gen.Long[0, 4_000_000_000], GenMac, Gen.UInt, GenLabel, Gen.Byte.Array[0, 20]).Sample((expiry, mac, ip, name, id) =>
        {
            var lease = new LeaseRecord(expiry, mac, new IPv4Address(ip), name, id.Length == 0 ? null : id);
            string text = DnsmasqLeaseFile.Format([lease]);
            LeaseRecord back = Assert.Single(DnsmasqLeaseFile.Parse(text, "leases").Leases);
            Assert.Equal(lease with { ClientId = null }, back with { ClientId = null });
            Assert.Equal(lease.ClientId, back.ClientId);
        });
    }

    /// <summary>Characters that steer the parsers into their branches: separators, prefixes, quotes, digits, hex.</summary>
    private static readonly Gen<string> GenNasty = Gen.OneOf(
        Gen.String,
        Gen.String[Gen.Char["0123456789.,:/[]\"\\*!#=abcdefsmhwi- \t\r\n"], 0, 80],
        Gen.Select(Gen.OneOfConst("tag:", "set:", "net:", "id:", "option:", "option6:", "vendor:", "encap:", "[", "\""), Gen.String[Gen.Char["0123456789.,:/abcf*\"!"], 0, 40])
            .Select((a, b) => a + b));

    [Fact]
    public void Parsers_NeverThrow_OnRandomText()
    {
        GenNasty.Sample(text =>
        {
            _ = DnsmasqDhcpOption.Parse(text);
            _ = DnsmasqDhcpRange.Parse(text);
            _ = DnsmasqRequestMatch.ParseMatch(text);
            _ = DnsmasqRequestMatch.ParseUserClass(text);
            _ = DnsmasqHostsFile.ParseLine(text, "openstacklocal");
            _ = DnsmasqHostsFile.Parse(text + "\n" + text, "host", null);
            _ = DnsmasqOptsFile.Parse(text, "opts");
            _ = AddnHostsFile.Parse(text, "addn_hosts");
            _ = DnsmasqLeaseFile.Parse(text, "leases");
            _ = DnsmasqCommandLine.Parse(["--dhcp-range=" + text, "--dhcp-option=" + text, "--dhcp-host=" + text, "--domain=" + text, "--dhcp-broadcast=" + text, "--port", text]);
        }, iter: 20_000);
    }

    [Fact]
    public void CommandLine_NeverThrows_OnRandomArguments()
    {
        Gen.OneOf(GenNasty, Gen.OneOfConst("--", "-", "--=", "-k", "-p", "--port", "--dhcp-range", "--conf-file", "-C", "-kdp"))
            .Array[0, 6]
            .Sample(args => _ = DnsmasqCommandLine.Parse(args.Where(a => !a.StartsWith("--conf-file=", StringComparison.Ordinal) && !a.StartsWith("-C", StringComparison.Ordinal)).ToArray()), iter: 10_000);
    }
}

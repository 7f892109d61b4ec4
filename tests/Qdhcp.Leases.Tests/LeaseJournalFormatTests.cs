using System.Text;
using Qdhcp.Configuration.Dnsmasq;
using Qdhcp.Engine.Leases;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Leases.Tests;

public class LeaseJournalFormatTests
{
    private static readonly MacAddress Mac = MacAddress.Parse("fa:16:3e:77:00:42");
    private static readonly IPv4Address Address = IPv4Address.Parse("10.77.0.42");

    [Theory]
    [InlineData(1795719320L, "host-10-77-0-42", new byte[] { 0x01, 0xfa, 0x16, 0x3e, 0x77, 0x00, 0x42 }, "1795719320 fa:16:3e:77:00:42 10.77.0.42 host-10-77-0-42 01:fa:16:3e:77:00:42")]
    [InlineData(0L, null, new byte[0], "0 fa:16:3e:77:00:42 10.77.0.42 * *")]
    [InlineData(17L, "has space", new byte[] { 0xff }, "17 fa:16:3e:77:00:42 10.77.0.42 * ff")]
    [InlineData(17L, "*", new byte[0], "17 fa:16:3e:77:00:42 10.77.0.42 * *")]
    public void Grant_IsDnsmasqsLeaseLine(long expires, string? host, byte[] clientId, string expected)
    {
        string journal = Grant(Address, Mac, clientId, host, expires);

        Assert.Equal(expected + "\n", journal);
        LeaseRecord parsed = Assert.Single(DnsmasqLeaseFile.Parse(journal, "journal").Leases);
        Assert.Equal((expires, Mac, Address), (parsed.ExpiresUnixSeconds, parsed.Mac, parsed.Address));
    }

    [Fact]
    public void Release_CannotBeReadAsALeaseLine()
    {
        string line = Release(Address, Mac);

        Assert.Equal("release fa:16:3e:77:00:42 10.77.0.42\n", line);
        DnsmasqLeaseFile parsed = DnsmasqLeaseFile.Parse(line, "journal");
        Assert.Empty(parsed.Leases);
    }

    [Fact]
    public void Replay_GrantThenRelease_ByTheHolder_RemovesTheLease_ByAnother_DoesNot()
    {
        MacAddress other = MacAddress.Parse("fa:16:3e:00:00:01");
        Dictionary<uint, LeaseRecord> leases = [];
        string journal = Grant(Address, Mac, [1, 2], "vm", 100) + Release(Address, other);

        LeaseReplayReport report = LeaseJournalFormat.Replay(Encoding.UTF8.GetBytes(journal), leases);

        Assert.Equal(2, report.Records);
        LeaseRecord lease = Assert.Single(leases.Values);
        Assert.Equal((Mac, Address, "vm", 100L), (lease.Mac, lease.Address, lease.HostName, lease.ExpiresUnixSeconds));
        Assert.Equal([1, 2], lease.ClientId);

        LeaseJournalFormat.Replay(Encoding.UTF8.GetBytes(Release(Address, Mac)), leases);
        Assert.Empty(leases);
    }

    [Fact]
    public void Replay_TornLastRecord_IsIgnored()
    {
        string whole = Grant(Address, Mac, [], null, 100);
        string torn = Grant(IPv4Address.Parse("10.77.0.43"), Mac, [], null, 100)[..20];
        Dictionary<uint, LeaseRecord> leases = [];

        LeaseReplayReport report = LeaseJournalFormat.Replay(Encoding.UTF8.GetBytes(whole + torn), leases);

        Assert.Equal(Address, Assert.Single(leases.Values).Address);
        Assert.Equal((1, 0, whole.Length, 20), (report.Records, report.BadLines, report.ValidLength, report.TornBytes));
    }

    [Fact]
    public void Replay_GarbageLine_IsCountedAndSkipped()
    {
        string journal = "not a record\n" + Grant(Address, Mac, [], null, 100);
        Dictionary<uint, LeaseRecord> leases = [];

        LeaseReplayReport report = LeaseJournalFormat.Replay(Encoding.UTF8.GetBytes(journal), leases);

        Assert.Single(leases);
        Assert.Equal((1, 1, 1), (report.Records, report.BadLines, report.FirstBadLine));
    }

    [Fact]
    public void Recover_DropsExpiredLeases_KeepsInfiniteOnes()
    {
        LeaseRecord infinite = new(0, Mac, Address, null, null);
        LeaseRecord expired = new(50, MacAddress.Parse("fa:16:3e:00:00:02"), IPv4Address.Parse("10.77.0.2"), null, null);
        string journal = Grant(IPv4Address.Parse("10.77.0.3"), MacAddress.Parse("fa:16:3e:00:00:03"), [], null, 200);

        List<LeaseRecord> leases = LeaseJournalFormat.Recover([infinite, expired], [], Encoding.UTF8.GetBytes(journal), nowUnixSeconds: 100, out _, out _);

        Assert.Equal(["10.77.0.3", "10.77.0.42"], leases.Select(l => l.Address.ToString()).Order());
    }

    internal static string Grant(IPv4Address address, MacAddress mac, byte[] clientId, string? host, long expires)
    {
        byte[] buffer = new byte[LeaseJournalFormat.MaxGrantLength(host, clientId.Length)];
        int n = LeaseJournalFormat.WriteGrant(buffer, address, mac, clientId, host, expires);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    internal static string Release(IPv4Address address, MacAddress mac)
    {
        byte[] buffer = new byte[LeaseJournalFormat.MaxReleaseLength];
        int n = LeaseJournalFormat.WriteRelease(buffer, address, mac);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }
}

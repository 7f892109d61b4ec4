using System.Globalization;
using System.Text;
using CsCheck;
using Microsoft.Extensions.Logging.Abstractions;
using Qdhcp.Configuration.Dnsmasq;
using Qdhcp.Engine.Leases;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Leases.Tests;

/// <summary>
/// The lease file as compaction streams it: the same bytes the string formatter wrote before (kept here, verbatim, as
/// the reference), read back to the same leases, and a warm compaction of a /16's worth of leases without garbage.
/// </summary>
public sealed class LeaseFileWriterTests : IDisposable
{
    private static readonly IPv4Subnet Subnet = new(IPv4Address.Parse("10.64.0.0"), 15);
    private readonly TempDirectory _dir = new();

    /// <summary>Host names that must come out as <c>*</c> (blank, whitespace, control, <c>*</c>), non-ASCII ones, long ones, ordinary ones.</summary>
    private static readonly Gen<string?> GenHostName = Gen.OneOf(
        Gen.OneOfConst<string?>(null, "", "*", "**", " ", "a b", "tab\there", "nl\nhere", "cr\rhere", "nbsp\u00a0here", "nel\u0085x", "ls\u2028x", "ctl\u0001x", "h\u00e9te", "\u30db\u30b9\u30c8", "emoji\U0001F600", "lone\ud800x"),
        Gen.String[Gen.Char["abc-.*# \t\r\n\u0000\u00a0\u00e9"], 0, 12].Select(s => (string?)s),
        Gen.String.Select(s => (string?)s),
        Gen.Char.AlphaNumeric.Array[1, 253].Select(c => (string?)new string(c)));

    private static readonly Gen<LeaseEntry> GenLease = Gen.Select(
        Gen.OneOf(Gen.Const(0L), Gen.Long[1, 4_000_000_000], Gen.Long[0, long.MaxValue]),
        Gen.ULong[0, 0xFFFF_FFFF_FFFFUL],
        Gen.UInt,
        GenHostName,
        Gen.OneOf(Gen.OneOfConst<byte[]?>(null, []), Gen.Byte.Array[1, 20].Select(a => (byte[]?)a), Gen.Byte.Array[200, 255].Select(a => (byte[]?)a)),
        (expires, mac, address, host, clientId) => new LeaseEntry(expires, new MacAddress(mac), new IPv4Address(address), host, clientId));

    [Fact]
    public void StreamedFile_IsWhatTheStringFormatterWrote_AndReadsBack()
    {
        int files = 0;

        // Up to 600 leases with 255-byte client-ids is ~460 KB: several flushes of the 64 KiB buffer. CsCheck runs
        // samples on several threads: a file (and a writer, which is not thread-safe) each.
        GenLease.Array[0, 600].Sample(leases =>
        {
            string path = _dir.File($"leases-{Interlocked.Increment(ref files)}");
            new LeaseFileWriter(path).Write(leases);

            byte[] expected = Encoding.UTF8.GetBytes(ReferenceFormat(leases));
            Assert.Equal(expected, File.ReadAllBytes(path));
            DnsmasqLeaseFile read = DnsmasqLeaseFile.Read(path);
            Assert.Empty(read.Diagnostics);
            Assert.Equal(leases.Select(AsWritten).Select(Comparable), read.Leases.Select(Comparable));
            File.Delete(path);
        });

        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void Write_ReplacesTheFile_LeavesNoTemporaryFile()
    {
        string path = _dir.File("leases");
        File.WriteAllText(path, "old content\n");
        LeaseEntry[] leases =
        [
            new(1795719322, MacAddress.Parse("fa:16:3e:77:00:43"), IPv4Address.Parse("10.77.0.46"), "host-10-77-0-46", [1, 0xfa, 0x16, 0x3e, 0x77, 0, 0x43]),
            new(0, MacAddress.Parse("fa:16:3e:00:00:05"), IPv4Address.Parse("10.0.0.5"), null, null),
        ];

        new LeaseFileWriter(path).Write(leases);

        Assert.Equal("1795719322 fa:16:3e:77:00:43 10.77.0.46 host-10-77-0-46 01:fa:16:3e:77:00:43\n0 fa:16:3e:00:00:05 10.0.0.5 * *\n", File.ReadAllText(path));
        Assert.Equal(["leases"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Write_IntoAMissingDirectory_Throws_AndLeavesNothing()
    {
        string path = Path.Combine(_dir.Path, "gone", "leases");

        Assert.Throws<DirectoryNotFoundException>(() => new LeaseFileWriter(path).Write([new LeaseEntry(0, new MacAddress(1), new IPv4Address(2), null, null)]));
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path));
    }

    [Fact]
    public void WarmCompaction_Of65535Leases_AllocatesAlmostNothing()
    {
        const int Leases = 65_535;
        string leaseFile = _dir.File("leases");
        LeaseJournal journal = new(LeaseJournal.PathFor(leaseFile), new TestLeaseFile(leaseFile), new LeaseCompactionPolicy(TimeSpan.MaxValue, long.MaxValue), NullLogger.Instance);
        Dhcp4LeaseTable table = new();
        journal.Open(table);
        for (int host = 0; host < Leases; host++)
        {
            uint address = Subnet.Network.Value + 256 + (uint)host;
            byte[] clientId = [0x01, 0xfa, 0x16, 0x3e, (byte)(host >> 16), (byte)(host >> 8), (byte)host];
            table.Grant(new IPv4Address(address), new MacAddress(0xfa163e000000UL + (ulong)host), clientId, $"host-{host}", 1_900_000_000 + host, Subnet);
        }

        Assert.True(journal.Commit());
        Assert.True(journal.Compact());

        long before = GC.GetAllocatedBytesForCurrentThread();
        bool compacted = journal.Compact();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(compacted);

        // What is left is the file calls': the temporary file's and the journal's handles (SafeFileHandle, a few
        // hundred bytes each), File.Exists/Move/Delete's path handling. Nothing per lease: the table's 65,535 leases
        // formatted as strings were ~66 MB per compaction.
        Assert.True(allocated < 64 << 10, $"a warm compaction allocated {allocated:N0} bytes");
        TestContext.Current.TestOutputHelper?.WriteLine($"a warm compaction of {Leases:N0} leases allocated {allocated:N0} bytes");
        Assert.Equal(Encoding.UTF8.GetBytes(ReferenceFormat(Copy(table))), File.ReadAllBytes(leaseFile));
        journal.Dispose();
    }

    /// <summary>Quarantined addresses are not leases: they stay out of the file.</summary>
    [Fact]
    public void TryCopyLeases_SkipsQuarantinedAddresses_AndAsksForMoreRoomWhenShort()
    {
        Dhcp4LeaseTable table = new();
        table.Grant(new IPv4Address(Subnet.Network.Value + 1), new MacAddress(1), [7], "a", 5, Subnet);
        table.Grant(new IPv4Address(Subnet.Network.Value + 2), new MacAddress(2), [], null, 0, Subnet);
        table.Quarantine(new IPv4Address(Subnet.Network.Value + 3), 9);

        Assert.False(table.TryCopyLeases(new LeaseEntry[2], out int needed));
        Assert.Equal(3, needed);

        LeaseEntry[] buffer = new LeaseEntry[needed];
        Assert.True(table.TryCopyLeases(buffer, out int count));
        Assert.Equal(2, count);
        Assert.Equal(
            [new LeaseEntry(5, new MacAddress(1), new IPv4Address(Subnet.Network.Value + 1), "a", null), new LeaseEntry(0, new MacAddress(2), new IPv4Address(Subnet.Network.Value + 2), null, null)],
            buffer.Take(count).OrderBy(l => l.Address.Value).Select(l => l with { ClientId = null }));
        Assert.Equal([7], buffer.Single(l => l.Mac == new MacAddress(1)).ClientId);
    }

    /// <summary>A record compares its client-id by reference: compare the bytes.</summary>
    private static (LeaseRecord, string?) Comparable(LeaseRecord lease) =>
        (lease with { ClientId = null }, lease.ClientId is { } id ? Convert.ToHexString(id) : null);

    private static LeaseEntry[] Copy(Dhcp4LeaseTable table)
    {
        LeaseEntry[] buffer = new LeaseEntry[table.Count];
        Assert.True(table.TryCopyLeases(buffer, out int count));
        return buffer[..count];
    }

    /// <summary>The lease as <see cref="DnsmasqLeaseFile.Read"/> gives it back: no name when it was written as <c>*</c>, an empty client-id as none.</summary>
    private static LeaseRecord AsWritten(LeaseEntry lease) => new(
        lease.ExpiresUnixSeconds, lease.Mac, lease.Address,
        ReferenceHostName(lease.HostName) is "*" ? null : Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(lease.HostName!)),
        lease.ClientId is { Length: > 0 } ? lease.ClientId : null);

    /// <summary>
    /// <c>DnsmasqLeaseFile.Format</c> as it was before compaction streamed (string per line, joined, then encoded):
    /// the reference the streamed bytes must equal.
    /// </summary>
    private static string ReferenceFormat(IEnumerable<LeaseEntry> leases)
    {
        var sb = new StringBuilder();
        foreach (LeaseEntry lease in leases)
        {
            string clientId = lease.ClientId is { Length: > 0 } id ? string.Join(':', id.Select(b => b.ToString("x2", CultureInfo.InvariantCulture))) : "*";
            sb.Append(string.Create(CultureInfo.InvariantCulture, $"{lease.ExpiresUnixSeconds} {lease.Mac} {lease.Address} {ReferenceHostName(lease.HostName)} {clientId}")).Append('\n');
        }

        return sb.ToString();
    }

    private static string ReferenceHostName(string? hostName) =>
        hostName is { Length: > 0 } h && !h.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) && h != "*" ? h : "*";

    public void Dispose() => _dir.Dispose();
}

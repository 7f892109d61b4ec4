using System.Text;
using CsCheck;
using Qdhcp.Configuration.Dnsmasq;
using Qdhcp.Engine.Leases;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Leases.Tests;

/// <summary>
/// Why compaction may rotate the journal before the snapshot is durable, and why a crash at any point recovers:
/// replaying the journal from any record j over a snapshot taken at any k >= j gives the table as it is now.
/// </summary>
public class LeaseJournalPropertyTests
{
    private static readonly IPv4Subnet Subnet = new(IPv4Address.Parse("10.30.0.0"), 24);

    [Fact]
    public void ReplayFromAnyRecord_OverAnyLaterSnapshot_IsTheTable()
    {
        // Few addresses and MACs, so grants move clients, take over released addresses and hit quarantined ones.
        Gen<(byte Kind, byte Address, byte Mac, long Expires)> op = Gen.Select(Gen.Byte[0, 9], Gen.Byte[0, 7], Gen.Byte[0, 5], Gen.Long[0, 5]);
        Gen<((byte Kind, byte Address, byte Mac, long Expires)[] Ops, int Cut, int Snapshot)> gen =
            Gen.Select(op.Array[1, 60], Gen.Int[0, 1000], Gen.Int[0, 1000]);

        gen.Sample(sample =>
        {
            RecordingJournal journal = new();
            Dhcp4LeaseTable table = new() { Journal = journal };
            List<int> recordsAfterOp = [0];
            List<List<LeaseRecord>> snapshots = [[]];
            foreach ((byte kind, byte address, byte mac, long expires) in sample.Ops)
            {
                IPv4Address ip = new(Subnet.Network.Value + 10 + address);
                MacAddress hw = new(0xfa163e000000UL + mac);
                switch (kind)
                {
                    case < 6:
                        table.Grant(ip, hw, mac % 2 == 0 ? [] : [0x01, mac], mac % 3 == 0 ? null : $"h{mac}", expires == 0 ? 0 : 2_000_000_000 + expires, Subnet);
                        break;
                    case < 9:
                        table.Release(ip, hw);
                        break;
                    default:
                        table.Quarantine(ip, 2_000_000_000);
                        break;
                }

                recordsAfterOp.Add(journal.Records.Count);
                snapshots.Add(table.ToRecords());
            }

            // j: the first record replayed (a rotation point); k >= j: when the snapshot was taken (after op k).
            int k = sample.Snapshot % snapshots.Count;
            int j = recordsAfterOp[sample.Cut % (k + 1)];
            byte[] replayed = Encoding.UTF8.GetBytes(string.Concat(journal.Records.Skip(j)));
            List<LeaseRecord> recovered = LeaseJournalFormat.Recover(snapshots[k], [], replayed, nowUnixSeconds: 1, out _, out _);

            Assert.Equal(LeaseJournalTests.Lines(table), recovered.Select(DnsmasqLeaseFile.FormatLine).Order());
        }, iter: 2000);
    }

    [Fact]
    public void Replay_AnyBytes_NeverThrows_AndCountsEveryCompleteLine()
    {
        // A journal damaged on disk must not stop the server from starting: bad lines are counted and skipped.
        string valid = LeaseJournalFormatTests.Grant(IPv4Address.Parse("10.30.0.9"), new MacAddress(0xfa163e000009UL), [1, 2], "h", 5);
        Gen<byte[]> noise = Gen.OneOf(
            Gen.Byte.Array[0, 300],
            Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Byte, Gen.Int[1, 3]).Select((at, b, copies) =>
            {
                byte[] bytes = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(valid, copies)));
                bytes[at] = b;
                return bytes;
            }));

        noise.Sample(bytes =>
        {
            Dictionary<uint, LeaseRecord> leases = [];
            LeaseReplayReport report = LeaseJournalFormat.Replay(bytes, leases);
            int complete = bytes.AsSpan(0, report.ValidLength).Count((byte)'\n');
            int empty = Encoding.UTF8.GetString(bytes, 0, report.ValidLength).Split('\n').Count(l => l.Length == 0) - 1;
            Assert.Equal(complete - empty, report.Records + report.BadLines);
            Assert.Equal(bytes.Length, report.ValidLength + report.TornBytes);
        }, iter: 5000);
    }

    private sealed class RecordingJournal : ILeaseJournal
    {
        public List<string> Records { get; } = [];

        public void Granted(IPv4Address address, MacAddress mac, ReadOnlySpan<byte> clientId, string? hostName, long expiresUnixSeconds) =>
            Records.Add(LeaseJournalFormatTests.Grant(address, mac, clientId.ToArray(), hostName, expiresUnixSeconds));

        public void Released(IPv4Address address, MacAddress mac) => Records.Add(LeaseJournalFormatTests.Release(address, mac));
    }
}

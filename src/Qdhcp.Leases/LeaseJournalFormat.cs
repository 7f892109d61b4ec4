using System.Buffers.Text;
using System.Text;
using Qdhcp.Engine.Leases;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Leases;

/// <summary>
/// The journal's records, one per line. A grant is a dnsmasq lease line (<c>expiry mac ip hostname client-id</c>,
/// <c>*</c> for none), so a journal reads like the lease file it compacts into; a release is
/// <c>release mac ip</c>, which cannot be a lease line (a lease line starts with a number). Each record is the
/// absolute state of one address, so replaying records that a snapshot already contains changes nothing. Only
/// lines ending in a newline count: a crash can leave a torn last line, and replay ignores it.
/// </summary>
public static class LeaseJournalFormat
{
    private static readonly byte[] ReleasePrefix = "release "u8.ToArray();

    /// <summary>The most bytes <see cref="WriteGrant"/> can need for these fields.</summary>
    public static int MaxGrantLength(string? hostName, int clientIdLength) => LeaseLine.MaxLength(hostName, clientIdLength);

    /// <summary>The most bytes <see cref="WriteRelease"/> needs.</summary>
    public const int MaxReleaseLength = 8 + 17 + 1 + 15 + 1;

    /// <summary>Writes a grant record, which is dnsmasq's lease line (<see cref="LeaseLine"/>), into <paramref name="destination"/>; returns its length. No allocation.</summary>
    public static int WriteGrant(Span<byte> destination, IPv4Address address, MacAddress mac, ReadOnlySpan<byte> clientId, string? hostName, long expiresUnixSeconds) =>
        LeaseLine.Write(destination, expiresUnixSeconds, mac, address, hostName, clientId);

    /// <summary>Writes a release record (<c>release mac ip</c> and a newline); returns its length. No allocation.</summary>
    public static int WriteRelease(Span<byte> destination, IPv4Address address, MacAddress mac)
    {
        ReleasePrefix.CopyTo(destination);
        int n = ReleasePrefix.Length;
        n += LeaseLine.WriteMac(destination[n..], mac);
        destination[n++] = (byte)' ';
        n += LeaseLine.WriteAddress(destination[n..], address);
        destination[n++] = (byte)'\n';
        return n;
    }

    /// <summary>
    /// Applies a journal's records, in order, to <paramref name="leases"/> (keyed by address): a grant replaces the
    /// address's lease, a release removes it if that MAC holds it. A last line without its newline (torn by a crash)
    /// is ignored. Returns what was read.
    /// </summary>
    public static LeaseReplayReport Replay(ReadOnlySpan<byte> journal, Dictionary<uint, LeaseRecord> leases)
    {
        int records = 0;
        int badLines = 0;
        int lineNumber = 0;
        int position = 0;
        int? firstBadLine = null;
        while (position < journal.Length)
        {
            int end = journal[position..].IndexOf((byte)'\n');
            if (end < 0)
            {
                break;
            }

            lineNumber++;
            ReadOnlySpan<byte> line = journal.Slice(position, end);
            position += end + 1;
            if (line.IsEmpty)
            {
                continue;
            }

            if (TryApply(line, leases))
            {
                records++;
            }
            else
            {
                badLines++;
                firstBadLine ??= lineNumber;
            }
        }

        return new LeaseReplayReport(records, badLines, firstBadLine, position, journal.Length - position);
    }

    /// <summary>
    /// The lease set after a restart: the last full snapshot, then the journal that was being compacted (if a crash
    /// came during a compaction), then the current journal; leases expired at <paramref name="nowUnixSeconds"/> are dropped.
    /// </summary>
    public static List<LeaseRecord> Recover(IEnumerable<LeaseRecord> snapshot, ReadOnlySpan<byte> rotatedJournal, ReadOnlySpan<byte> journal, long nowUnixSeconds,
        out LeaseReplayReport rotatedReport, out LeaseReplayReport journalReport)
    {
        Dictionary<uint, LeaseRecord> leases = [];
        foreach (LeaseRecord lease in snapshot)
        {
            leases[lease.Address.Value] = lease;
        }

        rotatedReport = Replay(rotatedJournal, leases);
        journalReport = Replay(journal, leases);
        return [.. leases.Values.Where(l => l.ExpiresUnixSeconds == 0 || l.ExpiresUnixSeconds > nowUnixSeconds)];
    }

    // Span-based: a million records replay without a string per field (only the lease's own host name and client-id).
    private static bool TryApply(ReadOnlySpan<byte> line, Dictionary<uint, LeaseRecord> leases)
    {
        Span<Range> fields = stackalloc Range[6];
        int count = 0;
        for (int start = 0; count < fields.Length;)
        {
            int space = line[start..].IndexOf((byte)' ');
            int end = space < 0 ? line.Length : start + space;
            fields[count++] = new Range(start, end);
            if (space < 0)
            {
                break;
            }

            start = end + 1;
        }

        if (count == 3 && line[fields[0]].SequenceEqual("release"u8))
        {
            if (!TryParseMac(line[fields[1]], out MacAddress releasedMac) || !TryParseAddress(line[fields[2]], out IPv4Address releasedAddress))
            {
                return false;
            }

            if (leases.TryGetValue(releasedAddress.Value, out LeaseRecord? held) && held.Mac == releasedMac)
            {
                leases.Remove(releasedAddress.Value);
            }

            return true;
        }

        if (count != 5
            || !Utf8Parser.TryParse(line[fields[0]], out long expires, out int used) || used != line[fields[0]].Length || expires < 0
            || !TryParseMac(line[fields[1]], out MacAddress mac)
            || !TryParseAddress(line[fields[2]], out IPv4Address address))
        {
            return false;
        }

        ReadOnlySpan<byte> host = line[fields[3]];
        ReadOnlySpan<byte> id = line[fields[4]];
        byte[]? clientId = null;
        if (!id.SequenceEqual("*"u8))
        {
            if ((id.Length + 1) % 3 != 0)
            {
                return false;
            }

            clientId = new byte[(id.Length + 1) / 3];
            for (int i = 0; i < clientId.Length; i++)
            {
                if ((i > 0 && id[i * 3 - 1] != ':') || !TryParseHexByte(id.Slice(i * 3, 2), out clientId[i]))
                {
                    return false;
                }
            }
        }

        leases[address.Value] = new LeaseRecord(expires, mac, address, host.SequenceEqual("*"u8) ? null : Encoding.UTF8.GetString(host), clientId);
        return true;
    }

    private static bool TryParseMac(ReadOnlySpan<byte> text, out MacAddress mac)
    {
        mac = default;
        if (text.Length != 17)
        {
            return false;
        }

        ulong value = 0;
        for (int i = 0; i < 6; i++)
        {
            if ((i > 0 && text[i * 3 - 1] != ':') || !TryParseHexByte(text.Slice(i * 3, 2), out byte b))
            {
                return false;
            }

            value = (value << 8) | b;
        }

        mac = new MacAddress(value);
        return true;
    }

    private static bool TryParseAddress(ReadOnlySpan<byte> text, out IPv4Address address)
    {
        address = default;
        uint value = 0;
        for (int octet = 0; octet < 4; octet++)
        {
            if (octet > 0)
            {
                if (text.IsEmpty || text[0] != '.')
                {
                    return false;
                }

                text = text[1..];
            }

            if (!Utf8Parser.TryParse(text, out byte b, out int used) || used == 0)
            {
                return false;
            }

            value = (value << 8) | b;
            text = text[used..];
        }

        address = new IPv4Address(value);
        return text.IsEmpty;
    }

    private static bool TryParseHexByte(ReadOnlySpan<byte> two, out byte value)
    {
        int high = HexValue(two[0]);
        int low = HexValue(two[1]);
        value = (byte)((high << 4) | low);
        return high >= 0 && low >= 0;
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };
}

/// <summary>What a journal replay read.</summary>
/// <param name="Records">Records applied.</param>
/// <param name="BadLines">Complete lines that were not records (skipped; a journal we wrote has none).</param>
/// <param name="FirstBadLine">The 1-based number of the first such line, for the warning.</param>
/// <param name="ValidLength">Bytes up to and including the last newline: where appending may resume.</param>
/// <param name="TornBytes">Bytes after the last newline: a record torn by a crash, ignored.</param>
public readonly record struct LeaseReplayReport(int Records, int BadLines, int? FirstBadLine, int ValidLength, int TornBytes);

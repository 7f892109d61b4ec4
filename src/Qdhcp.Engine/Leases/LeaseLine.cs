using System.Buffers.Text;
using System.Text;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Engine.Leases;

/// <summary>
/// The one formatter of dnsmasq's lease line, <c>expiry mac ip hostname client-id</c> and a newline, as UTF-8 bytes
/// without allocating: <c>1795719320 fa:16:3e:77:00:42 10.77.0.42 host-10-77-0-42 01:fa:16:3e:77:00:42</c>, <c>*</c>
/// for no host name or client-id, expiry 0 for an infinite lease. The lease journal's grant record, the lease file
/// (streamed by compaction) and <c>DnsmasqLeaseFile.FormatLine</c> all write through it, so they cannot drift apart.
/// </summary>
public static class LeaseLine
{
    private static ReadOnlySpan<byte> Hex => "0123456789abcdef"u8;

    /// <summary>The most bytes <see cref="Write"/> can need for these fields (newline included).</summary>
    public static int MaxLength(string? hostName, int clientIdLength) =>
        20 + 1 + 17 + 1 + 15 + 1 + Math.Max(1, Encoding.UTF8.GetMaxByteCount(hostName?.Length ?? 0)) + 1 + Math.Max(1, clientIdLength * 3) + 1;

    /// <summary>
    /// Writes one lease line, with its newline, into <paramref name="destination"/> (at least <see cref="MaxLength"/>
    /// bytes); returns its length. A host name that <see cref="IsWritableHostName"/> rejects is written as <c>*</c>.
    /// </summary>
    public static int Write(Span<byte> destination, long expiresUnixSeconds, MacAddress mac, IPv4Address address, string? hostName, ReadOnlySpan<byte> clientId)
    {
        Utf8Formatter.TryFormat(expiresUnixSeconds, destination, out int n);
        destination[n++] = (byte)' ';
        n += WriteMac(destination[n..], mac);
        destination[n++] = (byte)' ';
        n += WriteAddress(destination[n..], address);
        destination[n++] = (byte)' ';
        if (IsWritableHostName(hostName))
        {
            n += Encoding.UTF8.GetBytes(hostName, destination[n..]);
        }
        else
        {
            destination[n++] = (byte)'*';
        }

        destination[n++] = (byte)' ';
        if (clientId.IsEmpty)
        {
            destination[n++] = (byte)'*';
        }
        else
        {
            for (int i = 0; i < clientId.Length; i++)
            {
                if (i > 0)
                {
                    destination[n++] = (byte)':';
                }

                destination[n++] = Hex[clientId[i] >> 4];
                destination[n++] = Hex[clientId[i] & 0xF];
            }
        }

        destination[n++] = (byte)'\n';
        return n;
    }

    /// <summary>
    /// Whether a host name can be written as it is: one field (no whitespace, which is what separates fields for
    /// dnsmasq's reader and ours; no control characters, so no line breaks), not empty and not <c>*</c> (which means
    /// none). Any other name is written as <c>*</c>: dnsmasq then has no name for the lease, which is what it does
    /// with a name it cannot use.
    /// </summary>
    public static bool IsWritableHostName(string? hostName)
    {
        if (hostName is not { Length: > 0 } || hostName == "*")
        {
            return false;
        }

        foreach (char c in hostName)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Writes <c>aa:bb:cc:dd:ee:ff</c> (lower case, as dnsmasq does); returns 17.</summary>
    public static int WriteMac(Span<byte> destination, MacAddress mac)
    {
        int n = 0;
        for (int shift = 40; shift >= 0; shift -= 8)
        {
            if (shift != 40)
            {
                destination[n++] = (byte)':';
            }

            int b = (int)(mac.Value >> shift) & 0xFF;
            destination[n++] = Hex[b >> 4];
            destination[n++] = Hex[b & 0xF];
        }

        return n;
    }

    /// <summary>Writes the dotted quad; returns its length.</summary>
    public static int WriteAddress(Span<byte> destination, IPv4Address address)
    {
        int n = 0;
        for (int shift = 24; shift >= 0; shift -= 8)
        {
            if (shift != 24)
            {
                destination[n++] = (byte)'.';
            }

            Utf8Formatter.TryFormat((byte)(address.Value >> shift), destination[n..], out int written);
            n += written;
        }

        return n;
    }
}

namespace Qdhcp.Wire.Tests;

/// <summary>
/// Loads the golden DHCP messages under <c>Captures/</c> (copied to the output directory).
/// </summary>
/// <remarks>
/// The files were extracted from the shared pcap with this script (24-byte global header, 16-byte record headers,
/// then Ethernet 14 + IPv4 IHL*4 + UDP 8):
/// <code>
/// d = open(pcap, 'rb').read(); off = 24
/// while off &lt; len(d):
///     _, _, incl, _ = struct.unpack('&lt;IIII', d[off:off+16]); off += 16
///     ip = d[off+14:off+incl]; off += incl
///     udp = ip[(ip[0] &amp; 15) * 4:struct.unpack('!H', ip[2:4])[0]]
///     payload = udp[8:struct.unpack('!H', udp[4:6])[0]]   # one .hex file, 64 hex digits a line
/// </code>
/// </remarks>
internal static class CaptureFiles
{
    public const string DhclientDiscover = "dhclient-discover";
    public const string DhclientRequest = "dhclient-request";
    public const string OfferToDhclient = "dnsmasq-offer-to-dhclient";
    public const string AckToDhclient = "dnsmasq-ack-to-dhclient";
    public const string UdhcpcDiscover = "udhcpc-discover";
    public const string UdhcpcRequest = "udhcpc-request";
    public const string OfferToUdhcpc = "dnsmasq-offer-to-udhcpc";
    public const string AckToUdhcpc = "dnsmasq-ack-to-udhcpc";
    public const string DhcpcdDiscover = "dhcpcd-discover";
    public const string DhcpcdRequest = "dhcpcd-request";
    public const string OfferToDhcpcd = "dnsmasq-offer-to-dhcpcd";
    public const string AckToDhcpcd = "dnsmasq-ack-to-dhcpcd";

    public static readonly string[] ClientMessages =
        [DhclientDiscover, DhclientRequest, UdhcpcDiscover, UdhcpcRequest, DhcpcdDiscover, DhcpcdRequest];

    public static readonly string[] ServerReplies =
        [OfferToDhclient, AckToDhclient, OfferToUdhcpc, AckToUdhcpc, OfferToDhcpcd, AckToDhcpcd];

    public static readonly string[] All = [.. ClientMessages, .. ServerReplies];

    public static TheoryData<string> AllNames => new(All);

    public static TheoryData<string> ServerReplyNames => new(ServerReplies);

    private static readonly Dictionary<string, byte[]> Cache = new(StringComparer.Ordinal);

    /// <summary>The message bytes of <c>Captures/{name}.hex</c>; whitespace in the file is ignored.</summary>
    public static byte[] Load(string name)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(name, out byte[]? bytes))
            {
                string path = Path.Combine(AppContext.BaseDirectory, "Captures", name + ".hex");
                string hex = string.Concat(File.ReadAllText(path).Where(c => !char.IsWhiteSpace(c)));
                bytes = Convert.FromHexString(hex);
                Cache.Add(name, bytes);
            }

            // A copy, so a test that mutates its packet cannot affect another.
            return (byte[])bytes.Clone();
        }
    }
}

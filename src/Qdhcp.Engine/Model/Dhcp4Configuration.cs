namespace Qdhcp.Engine.Model;

/// <summary>
/// Everything one network's DHCPv4 service is configured with, independent of where it came from (dnsmasq
/// command line and files, or the agent's store). The engine compiles it into a frozen snapshot.
/// </summary>
public sealed record Dhcp4Configuration
{
    public IReadOnlyList<DhcpRange> Ranges { get; init; } = [];

    public IReadOnlyList<Reservation> Reservations { get; init; } = [];

    public IReadOnlyList<OptionSetting> Options { get; init; } = [];

    public IReadOnlyList<RequestMatch> Matches { get; init; } = [];

    /// <summary><c>--domain</c>: sent as option 15 and used to split FQDNs in the hosts file. Null for none.</summary>
    public string? Domain { get; init; }

    /// <summary><c>--dhcp-lease-max</c>: the most leases held at once (dnsmasq's default 1000).</summary>
    public int LeaseMax { get; init; } = 1000;

    /// <summary><c>--dhcp-authoritative</c>: NAK requests for addresses we know nothing about instead of ignoring them.</summary>
    public bool Authoritative { get; init; }

    /// <summary><c>--dhcp-broadcast</c> without tags: always broadcast replies.</summary>
    public bool AlwaysBroadcast { get; init; }

    /// <summary>How long an address a client declined (found in use, RFC 2131 §4.3.3) is not offered again; dnsmasq uses 10 minutes.</summary>
    public uint DeclineQuarantineSeconds { get; init; } = 600;

    /// <summary>
    /// How long an address offered from a pool is kept for the client it was offered to (RFC 2131 §4.3.1: the
    /// server may reserve it), so two clients racing through DISCOVER never get the same one. Short, because a
    /// flood of DISCOVERs that never REQUEST holds addresses for this long.
    /// </summary>
    public uint OfferHoldSeconds { get; init; } = 10;

    /// <summary>Requests per second one client (MAC) may make, burst twice that; 0 turns the limit off.</summary>
    public int ClientRateLimit { get; init; } = 10;

    /// <summary>
    /// New pool addresses per second one relay (giaddr) or, for direct clients, one interface may be handed, burst
    /// twice that; 0 turns it off. Bounds how fast one port can drain a pool with random MACs; reserved hosts and
    /// clients renewing or getting back their own address are never held back by it.
    /// </summary>
    public int PoolRateLimit { get; init; } = 50;

    /// <summary>False when DNS is off (<c>--port=0</c>): the server then does not announce itself as DNS server by default.</summary>
    public bool DnsEnabled { get; init; } = true;
}

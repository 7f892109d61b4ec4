using Qdhcp.Wire.Dhcp4;

namespace Qdhcp.Engine.Dhcp4;

/// <summary>Why a request got no reply. Each is counted; none is logged per packet by default.</summary>
public enum Dhcp4DropReason : byte
{
    None = 0,

    /// <summary>Not a well-formed DHCP message (short, no magic cookie, bad option framing).</summary>
    Malformed,

    /// <summary>A BOOTREPLY, or a message type a server does not take (OFFER, ACK, NAK).</summary>
    NotARequest,

    /// <summary>Plain BOOTP (no option 53): not served.</summary>
    NotDhcp,

    /// <summary>No host entry matches the client, and the ranges are static: an unknown client gets no answer.</summary>
    UnknownClient,

    /// <summary>The host entry says <c>ignore</c>.</summary>
    IgnoredClient,

    /// <summary>The reserved address is in no range this interface or relay serves.</summary>
    NoRange,

    /// <summary>A REQUEST or DECLINE/RELEASE names another server (option 54): Neutron runs several servers per network.</summary>
    OtherServer,

    /// <summary><c>--dhcp-lease-max</c> leases are held already.</summary>
    LeaseMaxReached,

    /// <summary>The reserved address is still leased to another client.</summary>
    AddressInUse,

    /// <summary>DECLINE and RELEASE are never answered (RFC 2131 §4.3.3, §4.3.4).</summary>
    NoReplyExpected,

    /// <summary>The message lacks a field its type requires (a REQUEST with no address, an INFORM without ciaddr).</summary>
    MissingField,

    /// <summary>No address of the client's pools is free (all leased, offered, reserved or declined).</summary>
    PoolExhausted,

    /// <summary>Over a rate limit: the client's packets per second, or new pool addresses per relay or interface.</summary>
    RateLimited,
}

/// <summary>What a request did to the lease table: the transport journals it before the reply goes out.</summary>
public enum Dhcp4LeaseChange : byte
{
    None = 0,

    /// <summary>An existing lease of this client on this address was extended.</summary>
    Renewed,

    /// <summary>A new binding: the address was not this client's lease before. Must be durable before the ACK.</summary>
    Bound,

    /// <summary>A lease ended (RELEASE, DECLINE, or a NAK that freed the client's old address).</summary>
    Released,
}

/// <summary>The outcome of one request: either a reply of <see cref="Length"/> bytes for <see cref="Destination"/>, or a drop reason.</summary>
public readonly record struct Dhcp4EngineResult(
    Dhcp4MessageType RequestType,
    Dhcp4MessageType ReplyType,
    int Length,
    ReplyDestination Destination,
    Dhcp4DropReason DropReason,
    Dhcp4LeaseChange LeaseChange)
{
    public bool HasReply => Length > 0;

    /// <summary>True when the lease table changed: the change is journaled before the reply is sent.</summary>
    public bool LeasesChanged => LeaseChange != Dhcp4LeaseChange.None;

    public static Dhcp4EngineResult Drop(Dhcp4MessageType requestType, Dhcp4DropReason reason, Dhcp4LeaseChange leaseChange = Dhcp4LeaseChange.None) =>
        new(requestType, Dhcp4MessageType.None, 0, default, reason, leaseChange);
}

using System.Text.Json.Serialization;

namespace Qdhcp.Agent.Linux.Plumbing;

/// <summary>One entry of <c>ip -j netns list</c>: <c>{"name":"qdhcp-…","id":0}</c> (the id only when assigned).</summary>
internal sealed record IpNetns([property: JsonPropertyName("name")] string Name);

/// <summary>
/// One link of <c>ip -j link</c> / <c>ip -j addr</c> (iproute2 6.x). Only the fields the agent compares are read;
/// the rest of iproute2's output is ignored, so newer versions that add fields still parse.
/// </summary>
internal sealed record IpLink(
    [property: JsonPropertyName("ifindex")] int Index,
    [property: JsonPropertyName("ifname")] string Name,
    [property: JsonPropertyName("flags")] string[]? Flags,
    [property: JsonPropertyName("mtu")] int Mtu,
    [property: JsonPropertyName("operstate")] string? OperState,
    [property: JsonPropertyName("address")] string? Address,
    [property: JsonPropertyName("master")] string? Master,
    [property: JsonPropertyName("link_type")] string? LinkType,
    [property: JsonPropertyName("addr_info")] IpAddressInfo[]? Addresses)
{
    /// <summary>Administratively up (the UP flag; operstate may still be DOWN while the peer is down).</summary>
    public bool IsUp => Flags is { } flags && Array.IndexOf(flags, "UP") >= 0;
}

/// <summary>An address of <c>ip -j addr</c>: <c>{"family":"inet","local":"10.0.0.2","prefixlen":24}</c>.</summary>
internal sealed record IpAddressInfo(
    [property: JsonPropertyName("family")] string Family,
    [property: JsonPropertyName("local")] string Local,
    [property: JsonPropertyName("prefixlen")] int PrefixLength);

/// <summary>A route of <c>ip -j route</c>: <c>{"dst":"default","gateway":"10.0.0.1","dev":"tap…"}</c>.</summary>
internal sealed record IpRoute(
    [property: JsonPropertyName("dst")] string Destination,
    [property: JsonPropertyName("gateway")] string? Gateway,
    [property: JsonPropertyName("dev")] string? Device);

/// <summary>System.Text.Json source generation for iproute2's JSON output: no reflection, trimming- and AOT-safe.</summary>
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = false)]
[JsonSerializable(typeof(IpNetns[]))]
[JsonSerializable(typeof(IpLink[]))]
[JsonSerializable(typeof(IpRoute[]))]
[JsonSerializable(typeof(OwnedPlumbingState))]
internal sealed partial class IpJsonContext : JsonSerializerContext;

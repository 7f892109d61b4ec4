namespace Qdhcp.Engine.Model;

/// <summary>
/// One configured DHCP option (an opts-file line or <c>--dhcp-option</c>), already encoded to its wire bytes.
/// </summary>
/// <param name="RequiredTags">Every tag the client must carry; a tag starting with <c>!</c> must be absent.</param>
/// <param name="Code">The option code (any 1..254).</param>
/// <param name="Value">The encoded option data. Empty means "announce none": the option, and the server's default for it, are not sent.</param>
/// <param name="Force">Sent even when the client did not ask for it (<c>--dhcp-option-force</c>).</param>
public sealed record OptionSetting(IReadOnlyList<string> RequiredTags, byte Code, byte[] Value, bool Force = false);

/// <summary>
/// <c>--dhcp-match=set:tag,option[,value]</c> and <c>--dhcp-userclass=set:tag,string</c>: tags a request gets
/// from what it carries.
/// </summary>
/// <param name="SetTag">The tag set on a match.</param>
/// <param name="Code">The option the request must carry (77 for <c>--dhcp-userclass</c>).</param>
/// <param name="Value">When not null, the option's data must contain these bytes.</param>
public sealed record RequestMatch(string SetTag, byte Code, byte[]? Value);

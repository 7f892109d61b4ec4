namespace Qdhcp.Transport.Dhcp4;

/// <summary>
/// Which interfaces the server answers on, as dnsmasq's <c>--interface</c> / <c>--except-interface</c> decide:
/// with no <c>--interface</c> every interface but loopback; names may end in <c>*</c> as a wildcard; an excluded
/// name always loses.
/// </summary>
public sealed record InterfaceFilter(IReadOnlyList<string> Include, IReadOnlyList<string> Exclude)
{
    public static InterfaceFilter All { get; } = new([], []);

    public bool Accepts(string name, bool isLoopback)
    {
        if (Exclude.Any(pattern => Matches(pattern, name)))
        {
            return false;
        }

        if (Include.Count == 0)
        {
            return !isLoopback;
        }

        return Include.Any(pattern => Matches(pattern, name));
    }

    private static bool Matches(string pattern, string name) =>
        pattern.EndsWith('*') ? name.StartsWith(pattern[..^1], StringComparison.Ordinal) : string.Equals(pattern, name, StringComparison.Ordinal);
}

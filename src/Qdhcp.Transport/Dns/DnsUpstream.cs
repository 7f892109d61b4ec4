using System.Globalization;
using System.Net;

namespace Qdhcp.Transport.Dns;

/// <summary>dnsmasq's <c>--server</c> values that name a plain upstream: <c>8.8.8.8</c>, <c>8.8.8.8#5353</c>, <c>2001:db8::1</c>.</summary>
public static class DnsUpstream
{
    /// <summary>
    /// Parses one <c>--server</c> value. Domain-specific forms (<c>/example.com/1.2.3.4</c>), <c>@interface</c> and
    /// source-address suffixes are not supported: false, with the reason.
    /// </summary>
    public static bool TryParse(string value, out IPEndPoint? endPoint, out string? error)
    {
        endPoint = null;
        error = null;
        string text = value.Trim();
        if (text.StartsWith('/'))
        {
            error = $"--server={value}: domain-specific upstreams are not supported; ignored";
            return false;
        }

        if (text.Contains('@'))
        {
            error = $"--server={value}: source address or interface for upstream queries is not supported; ignored";
            return false;
        }

        int port = 53;
        int hash = text.IndexOf('#');
        if (hash >= 0)
        {
            if (!int.TryParse(text.AsSpan(hash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            {
                error = $"--server={value}: the port after '#' must be 1 to 65535; ignored";
                return false;
            }

            text = text[..hash];
        }

        if (!IPAddress.TryParse(text, out IPAddress? address))
        {
            error = $"--server={value}: not an IP address (expected IP or IP#PORT); ignored";
            return false;
        }

        endPoint = new IPEndPoint(address, port);
        return true;
    }
}

using System.Net.Sockets;
using Qdhcp.Transport.Dhcp4;

namespace Qdhcp.Transport.Tests;

/// <summary>What the kernel gives a socket asked for a receive buffer (no packets: the option alone).</summary>
public class ReceiveBufferTests
{
    [Fact]
    public void AsRoot_GetsWhatItAsks_PastRmemMax()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "needs root (CAP_NET_ADMIN for SO_RCVBUFFORCE)");
        using Socket socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        long rmemMax = long.Parse(File.ReadAllText("/proc/sys/net/core/rmem_max").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        int asked = (int)Math.Min(256L << 20, Math.Max(ReceiveBuffer.DefaultBytes, rmemMax * 2));

        Assert.Equal(asked, ReceiveBuffer.Set(socket, asked));
    }
}

using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Wire.Tests;

/// <summary>STYLE §3/§5: the packet path allocates nothing once warm.</summary>
public class AllocationTests
{
    [Fact]
    public void ReadAndReply_WarmLoop_AllocatesZeroBytes()
    {
        byte[] request = CaptureFiles.Load(CaptureFiles.UdhcpcRequest);
        byte[] split = TestPackets.Build([52, 1, 3, 43, 2, 1, 2, 255], [43, 1, 3, 255], [43, 1, 4, 255]);
        byte[] reply = new byte[1500];
        byte[] networkOptions = Convert.FromHexString("0104ffffff001c040a0a0aff0f0e6f70656e737461636b6c6f63616c1a0205aa");
        byte[] routes = new byte[300];

        int checksum = RunOnce(request, split, reply, networkOptions, routes);
        for (int i = 0; i < 100; i++)
        {
            checksum += RunOnce(request, split, reply, networkOptions, routes);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            checksum += RunOnce(request, split, reply, networkOptions, routes);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.NotEqual(0, checksum);
    }

    private static int RunOnce(byte[] request, byte[] split, byte[] replyBuffer, byte[] networkOptions, byte[] routes)
    {
        int checksum = 0;
        if (Dhcp4Reader.TryRead(request, out Dhcp4Reader reader) != Dhcp4ParseStatus.Ok)
        {
            return -1;
        }

        foreach (Dhcp4Option option in reader.Options)
        {
            checksum += option.Code + option.Data.Length;
        }

        checksum += (int)reader.MessageType + reader.MaximumReplyLength + (int)reader.Xid;
        if (reader.TryGetOption(Dhcp4OptionCode.RequestedIPAddress, out ReadOnlySpan<byte> requested, out _))
        {
            checksum += (int)IPv4Address.Read(requested).Value;
        }

        if (reader.TryGetOption(Dhcp4OptionCode.ParameterRequestList, out ReadOnlySpan<byte> prl))
        {
            checksum += prl.Length;
        }

        Span<char> text = stackalloc char[32];
        reader.ClientMac.TryFormat(text, out int written, default, null);
        checksum += written;
        reader.Yiaddr.TryFormat(text, out written, default, null);
        checksum += written;

        Span<byte> scratch = stackalloc byte[64];
        if (Dhcp4Reader.TryRead(split, out Dhcp4Reader splitReader) == Dhcp4ParseStatus.Ok
            && splitReader.TryGetConcatenatedOption(Dhcp4OptionCode.VendorSpecific, scratch, out ReadOnlySpan<byte> vendor))
        {
            checksum += vendor.Length;
        }

        var writer = new Dhcp4Writer(replyBuffer, reader.MaximumReplyLength);
        writer.WriteHeader(
            BootpOperation.BootReply, reader.Htype, reader.Hlen, 0, reader.Xid, 0, reader.Flags,
            IPv4Address.Any, IPv4Address.FromOctets(10, 10, 10, 5), IPv4Address.FromOctets(10, 10, 10, 3), reader.Giaddr, reader.Chaddr);
        writer.TryWriteByte(Dhcp4OptionCode.DhcpMessageType, (byte)Dhcp4MessageType.Ack);
        writer.TryWriteAddress(Dhcp4OptionCode.ServerIdentifier, IPv4Address.FromOctets(10, 10, 10, 3));
        writer.TryWriteUInt32(Dhcp4OptionCode.IPAddressLeaseTime, 120);
        writer.TryWriteOption(Dhcp4OptionCode.HostName, "host-10-10-10-5"u8);
        writer.TryWriteEncodedOptions(networkOptions);
        writer.TryWriteOption(Dhcp4OptionCode.ClasslessStaticRoute, routes); // > 255: the split path
        return checksum + writer.WriteEnd();
    }
}

using System.Buffers.Binary;
using CsCheck;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Wire.Tests;

/// <summary>CsCheck properties: the reader never throws or reads outside the datagram, and write -> read round-trips.</summary>
public class Dhcp4PropertyTests
{
    private const byte Sentinel = 0xAA;

    // Codes from a small set collide often, which makes split (RFC 3396) options likely.
    private static readonly Gen<byte> GenCode = Gen.Frequency(
        (3, Gen.Byte[1, 254]),
        (3, Gen.OneOfConst<byte>(12, 43, 53, 57, 61, 121)));

    /// <summary>One option, usually with an honest length, sometimes with a random one.</summary>
    private static readonly Gen<byte[]> GenOptionToken =
        Gen.Select(GenCode, Gen.Byte.Array[0, 40], Gen.Int[0, 9], Gen.Byte)
            .Select((code, data, lie, declared) => (byte[])[code, lie == 0 ? declared : (byte)data.Length, .. data]);

    /// <summary>Option 52, mostly well formed, sometimes with a bad value or length.</summary>
    private static readonly Gen<byte[]> GenOverloadToken =
        Gen.Select(Gen.Byte[0, 4], Gen.Int[0, 5])
            .Select((value, shape) => shape switch
            {
                0 => (byte[])[52, 0],
                1 => [52, 2, value, value],
                _ => [52, 1, value],
            });

    private static readonly Gen<byte[]> GenArea =
        Gen.Frequency(
                (8, GenOptionToken),
                (2, Gen.Const<byte[]>([0])),
                (1, Gen.Const<byte[]>([255])),
                (1, GenOverloadToken))
            .Array[0, 16]
            .Select(tokens => tokens.SelectMany(t => t).ToArray());

    /// <summary>Mostly well-formed-looking packets: random header, right cookie, option areas of tokens, sometimes truncated.</summary>
    private static readonly Gen<byte[]> GenStructuredPacket =
        Gen.Select(Gen.Byte.Array[236], Gen.Int[0, 19], GenArea, GenArea, GenArea, Gen.Int[0, 9], Gen.Int[0, 600])
            .Select((header, cookie, options, file, sname, truncate, truncateAt) =>
            {
                byte[] packet = [.. header, 0x63, 0x82, 0x53, 0x63, .. options];
                file.AsSpan(0, Math.Min(file.Length, 128)).CopyTo(packet.AsSpan(108, 128));
                sname.AsSpan(0, Math.Min(sname.Length, 64)).CopyTo(packet.AsSpan(44, 64));
                if (cookie == 0)
                {
                    packet[236 + (truncateAt % 4)] ^= 0x40;
                }

                return truncate == 0 ? packet[..Math.Min(packet.Length, truncateAt)] : packet;
            });

    /// <summary>Arbitrary bytes, with the magic cookie stamped in half of the long enough ones.</summary>
    private static readonly Gen<byte[]> GenArbitraryPacket =
        Gen.Select(Gen.Byte.Array[0, 1500], Gen.Bool)
            .Select((bytes, stamp) =>
            {
                if (stamp && bytes.Length >= 240)
                {
                    BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(236), Dhcp4Header.MagicCookie);
                }

                return bytes;
            });

    /// <summary>A golden capture with a few bytes overwritten and sometimes cut short.</summary>
    private static readonly Gen<byte[]> GenMutatedCapture =
        Gen.Select(Gen.Int[0, CaptureFiles.All.Length - 1], Gen.Select(Gen.Int[0, 400], Gen.Byte).Array[1, 6], Gen.Int[0, 3], Gen.Int[0, 400])
            .Select((index, flips, truncate, truncateAt) =>
            {
                byte[] packet = CaptureFiles.Load(CaptureFiles.All[index]);
                foreach ((int at, byte value) in flips)
                {
                    packet[Math.Min(at, packet.Length - 1)] = value;
                }

                return truncate == 0 ? packet[..Math.Min(packet.Length, truncateAt)] : packet;
            });

    [Fact]
    public void TryRead_ArbitraryBytes_NeverThrowsAndStaysInside()
    {
        GenArbitraryPacket.Sample(CheckReaderInvariants, iter: 20_000);
    }

    [Fact]
    public void TryRead_StructuredPackets_MatchesReferenceModel()
    {
        GenStructuredPacket.Sample(CheckReaderInvariants, iter: 50_000);
    }

    [Fact]
    public void TryRead_MutatedCaptures_MatchesReferenceModel()
    {
        GenMutatedCapture.Sample(CheckReaderInvariants, iter: 20_000);
    }

    [Fact]
    public void StructuredPackets_Generator_CoversEveryOutcome()
    {
        // Guards the generator: a property that only ever sees one outcome proves little.
        var seen = new HashSet<Dhcp4ParseStatus>();
        bool sawOverload = false, sawSplit = false;
        GenStructuredPacket.Sample(
            packet =>
            {
                Dhcp4ParseStatus status = Dhcp4Model.Parse(packet, out List<Dhcp4Model.Instance> instances);
                lock (seen)
                {
                    seen.Add(status);
                    sawOverload |= status == Dhcp4ParseStatus.Ok && instances.Any(i => i.Code == 52);
                    sawSplit |= instances.GroupBy(i => i.Code).Any(g => g.Count() > 1);
                }
            },
            iter: 5_000,
            seed: "0000000000000");

        Assert.Equal(Enum.GetValues<Dhcp4ParseStatus>().Length, seen.Count);
        Assert.True(sawOverload);
        Assert.True(sawSplit);
    }

    private static void CheckReaderInvariants(byte[] packet)
    {
        Dhcp4ParseStatus status = Dhcp4Reader.TryRead(packet, out Dhcp4Reader reader);
        Dhcp4ParseStatus expected = Dhcp4Model.Parse(packet, out List<Dhcp4Model.Instance> instances);
        Assert.Equal(expected, status);
        if (status != Dhcp4ParseStatus.Ok)
        {
            return;
        }

        ReadOnlySpan<byte> datagram = packet;

        // Every accessor answers without throwing.
        _ = reader.Op;
        _ = reader.Htype;
        _ = reader.Hlen;
        _ = reader.Hops;
        _ = reader.Xid;
        _ = reader.Secs;
        _ = reader.BroadcastRequested;
        _ = reader.Ciaddr;
        _ = reader.Yiaddr;
        _ = reader.Siaddr;
        _ = reader.Giaddr;
        _ = reader.ClientMac;
        _ = reader.HasEthernetAddress;
        _ = reader.MessageType;
        Assert.Equal(0, TestPackets.OffsetWithin(datagram, reader.Datagram));
        Assert.Equal(Dhcp4Header.ChaddrOffset, TestPackets.OffsetWithin(datagram, reader.Chaddr));
        Assert.Equal(Dhcp4Header.SnameOffset, TestPackets.OffsetWithin(datagram, reader.Sname));
        Assert.Equal(Dhcp4Header.FileOffset, TestPackets.OffsetWithin(datagram, reader.File));
        int maximumReplyLength = reader.MaximumReplyLength;
        Assert.InRange(maximumReplyLength, Dhcp4Header.DefaultMaximumMessageLength, ushort.MaxValue - Dhcp4Header.IpAndUdpHeaderLength);

        // The enumeration is exactly the model's, and every data span is the datagram's own bytes.
        int index = 0;
        foreach (Dhcp4Option option in reader.Options)
        {
            Assert.True(index < instances.Count);
            Assert.Equal(instances[index].Code, option.Code);
            Assert.Equal(instances[index].Length, option.Data.Length);
            Assert.Equal(instances[index].Offset, TestPackets.OffsetWithin(datagram, option.Data));
            index++;
        }

        Assert.Equal(instances.Count, index);

        byte[] scratch = new byte[packet.Length];
        for (int code = 0; code <= 255; code++)
        {
            List<Dhcp4Model.Instance> mine = instances.Where(i => i.Code == code).ToList();
            bool found = reader.TryGetOption((Dhcp4OptionCode)code, out ReadOnlySpan<byte> data, out bool isSplit);
            Assert.Equal(mine.Count == 1, found);
            Assert.Equal(mine.Count > 1, isSplit);
            if (found)
            {
                Assert.Equal(mine[0].Offset, TestPackets.OffsetWithin(datagram, data));
            }

            bool concatenated = reader.TryGetConcatenatedOption((Dhcp4OptionCode)code, scratch, out ReadOnlySpan<byte> all);
            Assert.Equal(mine.Count > 0, concatenated);
            if (concatenated)
            {
                byte[] expectedData = mine.SelectMany(i => packet.AsSpan(i.Offset, i.Length).ToArray()).ToArray();
                Assert.True(all.SequenceEqual(expectedData));
                Assert.True(TestPackets.OffsetWithin(datagram, all) >= 0 || TestPackets.OffsetWithin(scratch, all) >= 0);
            }
        }
    }

    private sealed record Header(byte[] Bytes, uint Xid, ushort Secs, ushort Flags, uint[] Addresses, byte[] Chaddr);

    private static readonly Gen<Header> GenHeader =
        Gen.Select(Gen.Byte.Array[4], Gen.UInt, Gen.UShort, Gen.UShort, Gen.UInt.Array[4], Gen.Byte.Array[16])
            .Select((bytes, xid, secs, flags, addresses, chaddr) => new Header(bytes, xid, secs, flags, addresses, chaddr));

    private static readonly Gen<byte> GenWritableCode = Gen.Frequency(
        (1, Gen.Byte[1, 254].Where(c => c != (byte)Dhcp4OptionCode.OptionOverload)),
        (1, Gen.OneOfConst<byte>(3, 43, 121)));

    private static readonly Gen<(byte Code, byte[] Data)[]> GenOptions =
        Gen.Select(GenWritableCode, Gen.Byte.Array[0, 600]).Array[0, 12];

    [Fact]
    public void WriteThenRead_RandomHeaderAndOptions_RoundTrips()
    {
        Gen.Select(GenHeader, GenOptions).Sample(
            (header, options) =>
            {
                byte[] buffer = new byte[4096];
                var writer = new Dhcp4Writer(buffer, buffer.Length);
                writer.WriteHeader(
                    (BootpOperation)header.Bytes[0], header.Bytes[1], header.Bytes[2], header.Bytes[3], header.Xid, header.Secs, header.Flags,
                    new IPv4Address(header.Addresses[0]), new IPv4Address(header.Addresses[1]),
                    new IPv4Address(header.Addresses[2]), new IPv4Address(header.Addresses[3]), header.Chaddr);

                var written = new List<(byte Code, byte[] Data)>();
                int instances = 0;
                foreach ((byte code, byte[] data) in options)
                {
                    int chunks = Math.Max(1, (data.Length + 254) / 255);
                    int needed = data.Length + (2 * chunks);
                    bool fits = needed <= writer.RemainingForOptions;
                    Assert.Equal(fits, writer.TryWriteOption(code, data));
                    if (fits)
                    {
                        written.Add((code, data));
                        instances += chunks;
                    }
                }

                int length = writer.WriteEnd();
                Assert.Equal(Dhcp4ParseStatus.Ok, Dhcp4Reader.TryRead(buffer.AsSpan(0, length), out Dhcp4Reader reader));
                Assert.Equal((BootpOperation)header.Bytes[0], reader.Op);
                Assert.Equal(header.Bytes[1], reader.Htype);
                Assert.Equal(header.Bytes[2], reader.Hlen);
                Assert.Equal(header.Bytes[3], reader.Hops);
                Assert.Equal(header.Xid, reader.Xid);
                Assert.Equal(header.Secs, reader.Secs);
                Assert.Equal(header.Flags, reader.Flags);
                Assert.Equal(header.Addresses[0], reader.Ciaddr.Value);
                Assert.Equal(header.Addresses[1], reader.Yiaddr.Value);
                Assert.Equal(header.Addresses[2], reader.Siaddr.Value);
                Assert.Equal(header.Addresses[3], reader.Giaddr.Value);
                Assert.True(reader.Chaddr.SequenceEqual(header.Chaddr));
                Assert.Equal(0, reader.Overload);
                Assert.Equal(instances, TestPackets.ListOptions(reader).Count);

                byte[] scratch = new byte[4096];
                foreach (IGrouping<byte, (byte Code, byte[] Data)> group in written.GroupBy(o => o.Code))
                {
                    byte[] expected = group.SelectMany(o => o.Data).ToArray();
                    Assert.True(reader.TryGetConcatenatedOption((Dhcp4OptionCode)group.Key, scratch, out ReadOnlySpan<byte> data));
                    Assert.True(data.SequenceEqual(expected));
                }

                for (int code = 1; code < 255; code++)
                {
                    if (!written.Any(o => o.Code == code))
                    {
                        Assert.False(reader.TryGetConcatenatedOption((Dhcp4OptionCode)code, scratch, out _));
                    }
                }
            },
            iter: 5_000);
    }

    /// <summary>Either a single option or a pre-encoded block of a few options.</summary>
    private static readonly Gen<(bool Encoded, byte Code, byte[] Data)> GenWrite =
        Gen.Select(Gen.Int[0, 3], GenWritableCode, Gen.Byte.Array[0, 600], Gen.Select(GenWritableCode, Gen.Byte.Array[0, 40]).Array[1, 5])
            .Select((kind, code, data, block) => kind == 0
                ? (true, (byte)0, block.SelectMany(o => (byte[])[o.Item1, (byte)o.Item2.Length, .. o.Item2]).ToArray())
                : (false, code, data));

    [Fact]
    public void Writer_RandomWrites_NeverPastMaximumLength()
    {
        Gen.Select(Gen.Int[Dhcp4Header.MinimumBootpLength, 4096], GenWrite.Array[0, 20]).Sample(
            (maximumLength, writes) =>
            {
                byte[] buffer = new byte[4096];
                buffer.AsSpan().Fill(Sentinel);
                var writer = new Dhcp4Writer(buffer, maximumLength);
                writer.WriteHeader(BootpOperation.BootReply, 1, 6, 0, 42, 0, 0, default, default, default, default, [1, 2, 3, 4, 5, 6]);
                foreach ((bool encoded, byte code, byte[] data) in writes)
                {
                    int before = writer.BytesWritten;
                    bool ok = encoded ? writer.TryWriteEncodedOptions(data) : writer.TryWriteOption(code, data);
                    Assert.True(writer.BytesWritten <= maximumLength - 1);
                    Assert.True(ok ? writer.BytesWritten > before || data.Length == 0 : writer.BytesWritten == before);
                    Assert.True(buffer.AsSpan(writer.BytesWritten).IndexOfAnyExcept(Sentinel) < 0);
                }

                int length = writer.WriteEnd();
                Assert.Equal(length, writer.BytesWritten);
                Assert.InRange(length, Dhcp4Header.MinimumBootpLength, maximumLength);
                Assert.True(buffer.AsSpan(length).IndexOfAnyExcept(Sentinel) < 0);
                Assert.Equal(Dhcp4ParseStatus.Ok, Dhcp4Reader.TryRead(buffer.AsSpan(0, length), out _));
            },
            iter: 5_000);
    }
}

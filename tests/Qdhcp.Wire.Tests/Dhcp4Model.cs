using System.Buffers.Binary;
using Qdhcp.Wire.Dhcp4;

namespace Qdhcp.Wire.Tests;

/// <summary>
/// A deliberately naive reference parser (lists and offsets, no spans kept) that the property tests compare
/// <see cref="Dhcp4Reader"/> against. It states the accepted grammar in the plainest form:
/// <list type="bullet">
/// <item>under 240 bytes: Truncated; cookie not 99.130.83.99: BadMagicCookie;</item>
/// <item>an area is read option by option: Pad skipped, End stops, otherwise code + length + data that must fit;</item>
/// <item>option 52 counts only in the options field, must occur once with length 1 and value 1..3;</item>
/// <item>areas are read options, then file (bit 1), then sname (bit 2) (RFC 2131 §4.1).</item>
/// </list>
/// </summary>
internal static class Dhcp4Model
{
    public readonly record struct Instance(byte Code, int Offset, int Length);

    public static Dhcp4ParseStatus Parse(byte[] packet, out List<Instance> instances)
    {
        instances = [];
        if (packet.Length < 240)
        {
            return Dhcp4ParseStatus.Truncated;
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(236)) != 0x63825363)
        {
            return Dhcp4ParseStatus.BadMagicCookie;
        }

        if (!ParseArea(packet, 240, packet.Length, instances))
        {
            return Dhcp4ParseStatus.MalformedOptions;
        }

        List<Instance> overloads = instances.Where(i => i.Code == 52).ToList();
        int overload = 0;
        if (overloads.Count > 0)
        {
            if (overloads.Count != 1 || overloads[0].Length != 1 || packet[overloads[0].Offset] is 0 or > 3)
            {
                instances.Clear();
                return Dhcp4ParseStatus.MalformedOptions;
            }

            overload = packet[overloads[0].Offset];
        }

        if ((overload & 1) != 0 && !ParseArea(packet, 108, 108 + 128, instances))
        {
            instances.Clear();
            return Dhcp4ParseStatus.MalformedOptions;
        }

        if ((overload & 2) != 0 && !ParseArea(packet, 44, 44 + 64, instances))
        {
            instances.Clear();
            return Dhcp4ParseStatus.MalformedOptions;
        }

        return Dhcp4ParseStatus.Ok;
    }

    private static bool ParseArea(byte[] packet, int start, int end, List<Instance> instances)
    {
        int i = start;
        while (i < end)
        {
            byte code = packet[i];
            if (code == 0)
            {
                i++;
            }
            else if (code == 255)
            {
                return true;
            }
            else
            {
                if (i + 1 >= end || i + 2 + packet[i + 1] > end)
                {
                    return false;
                }

                instances.Add(new Instance(code, i + 2, packet[i + 1]));
                i += 2 + packet[i + 1];
            }
        }

        return true;
    }
}

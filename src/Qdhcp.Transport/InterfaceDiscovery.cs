using System.Net.NetworkInformation;
using System.Net.Sockets;
using Qdhcp.Engine.Dhcp4;
using Qdhcp.Transport.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Transport;

/// <summary>The interfaces of this namespace that a filter accepts, with their IPv4 addresses (shared by the DHCP and DNS listeners).</summary>
public static class InterfaceDiscovery
{
    /// <summary>Reads the interfaces once; keyed by name.</summary>
    public static Dictionary<string, ServerInterface> Read(InterfaceFilter filter)
    {
        Dictionary<string, ServerInterface> result = new(StringComparer.Ordinal);
        foreach (NetworkInterface nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            bool isLoopback = nic.NetworkInterfaceType == NetworkInterfaceType.Loopback;
            if (!filter.Accepts(nic.Name, isLoopback))
            {
                continue;
            }

            IPInterfaceProperties properties = nic.GetIPProperties();
            int index;
            try
            {
                index = properties.GetIPv4Properties().Index;
            }
            catch (NetworkInformationException)
            {
                continue;
            }

            List<InterfaceAddress> addresses = [];
            foreach (UnicastIPAddressInformation unicast in properties.UnicastAddresses)
            {
                if (unicast.Address.AddressFamily == AddressFamily.InterNetwork)
                {
                    addresses.Add(new InterfaceAddress(IPv4Address.FromIPAddress(unicast.Address), unicast.PrefixLength));
                }
            }

            byte[] hardware = nic.GetPhysicalAddress().GetAddressBytes();
            MacAddress mac = hardware.Length == MacAddress.Length ? MacAddress.Read(hardware) : default;
            result[nic.Name] = new ServerInterface(nic.Name, index, mac, addresses);
        }

        return result;
    }
}

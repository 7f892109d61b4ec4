namespace Qdhcp.Transport.Privileges;

/// <summary>The Linux capabilities qdhcp may need, numbered as in <c>linux/capability.h</c> (the bit in /proc/PID/status).</summary>
public enum LinuxCapability
{
    DacOverride = 1,
    NetBindService = 10,
    NetAdmin = 12,
    NetRaw = 13,
    SysAdmin = 21,
}

/// <summary>The spellings each tool wants: <c>CAP_NET_RAW</c> (systemd, capabilities(7)), <c>net_raw</c> (setpriv, setcap).</summary>
public static class LinuxCapabilityNames
{
    /// <summary><c>CAP_NET_RAW</c>: what capabilities(7) and systemd's <c>AmbientCapabilities=</c> use.</summary>
    public static string ConstantName(this LinuxCapability capability) => capability switch
    {
        LinuxCapability.DacOverride => "CAP_DAC_OVERRIDE",
        LinuxCapability.NetBindService => "CAP_NET_BIND_SERVICE",
        LinuxCapability.NetAdmin => "CAP_NET_ADMIN",
        LinuxCapability.NetRaw => "CAP_NET_RAW",
        LinuxCapability.SysAdmin => "CAP_SYS_ADMIN",
        _ => $"capability {(int)capability}",
    };

    /// <summary><c>net_raw</c>: what setcap(8) and setpriv(1) use.</summary>
    public static string ToolName(this LinuxCapability capability) => capability.ConstantName().StartsWith("CAP_", StringComparison.Ordinal)
        ? capability.ConstantName()[4..].ToLowerInvariant()
        : ((int)capability).ToString(System.Globalization.CultureInfo.InvariantCulture);
}

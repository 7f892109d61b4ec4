using System.Globalization;
using System.Text;

namespace Qdhcp.Transport.Privileges;

/// <summary>A capability a command needs, and why, in words a user who has to grant it understands.</summary>
/// <param name="MustBeAmbient">
/// Also needed by the programs the command runs (the agent's <c>ip</c>): for a non-root user that takes the ambient
/// set, since exec drops every other capability of a non-root process (capabilities(7)).
/// </param>
public sealed record PrivilegeRequirement(LinuxCapability Capability, string Why, bool MustBeAmbient = false);

/// <summary>What each command needs (docs/privileges.md explains each line).</summary>
public static class PrivilegeRequirements
{
    /// <summary>Linux's default <c>net.ipv4.ip_unprivileged_port_start</c>: ports below it need CAP_NET_BIND_SERVICE.</summary>
    public const int DefaultUnprivilegedPortStart = 1024;

    /// <summary>
    /// <c>qdhcp serve</c>: port 67 (and the DNS port, unless <paramref name="dnsPort"/> is null or 0) below the
    /// namespace's <paramref name="unprivilegedPortStart"/> need CAP_NET_BIND_SERVICE; replies unicast to a client's
    /// MAC need an AF_PACKET socket, CAP_NET_RAW (which also covers SO_BINDTODEVICE on kernels before 5.7).
    /// </summary>
    public static IReadOnlyList<PrivilegeRequirement> ForServe(int unprivilegedPortStart, int? dnsPort)
    {
        List<PrivilegeRequirement> needed = [];
        List<string> low = [];
        if (67 < unprivilegedPortStart)
        {
            low.Add("DHCP port 67");
        }

        if (dnsPort is > 0 && dnsPort < unprivilegedPortStart)
        {
            low.Add(string.Create(CultureInfo.InvariantCulture, $"DNS port {dnsPort}"));
        }

        if (low.Count > 0)
        {
            needed.Add(new PrivilegeRequirement(LinuxCapability.NetBindService,
                string.Create(CultureInfo.InvariantCulture, $"to bind {string.Join(" and ", low)} (below net.ipv4.ip_unprivileged_port_start={unprivilegedPortStart})")));
        }

        needed.Add(new PrivilegeRequirement(LinuxCapability.NetRaw,
            "to send OFFER and ACK to clients that have no address yet, at their MAC (an AF_PACKET socket; RFC 2131 §4.1)"));
        return needed;
    }

    /// <summary>
    /// <c>qdhcp agent</c>: it creates namespaces, bridges and veth pairs by running <c>ip</c> (CAP_NET_ADMIN, and
    /// CAP_SYS_ADMIN for <c>ip netns add</c>'s mounts), enters namespaces itself (setns, CAP_SYS_ADMIN) and serves
    /// DHCP and DNS in them (ports 67 and 53 in namespaces that start with the default port limit; AF_PACKET).
    /// </summary>
    public static IReadOnlyList<PrivilegeRequirement> ForAgent() =>
    [
        new(LinuxCapability.NetAdmin, "to create namespaces' links, bridges, veth pairs, addresses and routes (ip link/addr/route)", MustBeAmbient: true),
        new(LinuxCapability.SysAdmin, "to create and delete network namespaces (ip netns add/del mount them) and enter them (setns)", MustBeAmbient: true),
        new(LinuxCapability.NetBindService, "to bind DHCP port 67 and DNS port 53 inside each network's namespace"),
        new(LinuxCapability.NetRaw, "to send OFFER and ACK to clients that have no address yet, at their MAC (an AF_PACKET socket; RFC 2131 §4.1)"),
    ];
}

/// <summary>Compares what a command needs with what the process has, and says how to grant what is missing.</summary>
public static class PrivilegeCheck
{
    /// <summary>The requirements <paramref name="capabilities"/> does not meet (for a non-root <paramref name="uid"/>, ambient ones too).</summary>
    public static IReadOnlyList<PrivilegeRequirement> Missing(ProcessCapabilities capabilities, uint uid, IEnumerable<PrivilegeRequirement> requirements) =>
        requirements.Where(r => !capabilities.HasEffective(r.Capability) || (r.MustBeAmbient && uid != 0 && !capabilities.HasAmbient(r.Capability))).ToList();

    /// <summary>
    /// The error for a user: which capabilities are missing and why, what the process has, and how to grant them
    /// (systemd, setcap on <paramref name="executable"/>, setpriv, or root).
    /// </summary>
    /// <param name="command">"qdhcp serve" or "qdhcp agent".</param>
    /// <param name="unit">The unit file in contrib/systemd to start from.</param>
    public static string Explain(string command, IReadOnlyList<PrivilegeRequirement> missing, IReadOnlyList<PrivilegeRequirement> all,
        ProcessCapabilities capabilities, uint uid, string? executable, string unit)
    {
        StringBuilder text = new();
        string names = string.Join(", ", missing.Select(r => r.Capability.ConstantName()));
        text.Append(CultureInfo.InvariantCulture, $"{command}: missing capabilit{(missing.Count == 1 ? "y" : "ies")} {names} ");
        text.Append(CultureInfo.InvariantCulture, $"(running as uid {uid}; /proc/self/status CapEff {capabilities.Effective:x16}, CapAmb {capabilities.Ambient:x16}):\n");
        foreach (PrivilegeRequirement requirement in missing)
        {
            bool onlyAmbient = capabilities.HasEffective(requirement.Capability);
            text.Append(CultureInfo.InvariantCulture, $"  {requirement.Capability.ConstantName()}: {requirement.Why}");
            text.Append(onlyAmbient ? " (it is effective, but not ambient: the programs it runs, such as ip, would not have it)\n" : "\n");
        }

        string constants = string.Join(' ', all.Select(r => r.Capability.ConstantName()));
        string tools = string.Join(",", all.Select(r => "cap_" + r.Capability.ToolName()));
        string plus = string.Join(',', all.Select(r => "+" + r.Capability.ToolName()));
        text.Append("Grant them and start again, one of:\n");
        text.Append(CultureInfo.InvariantCulture, $"  systemd: AmbientCapabilities={constants} and CapabilityBoundingSet={constants} (see contrib/systemd/{unit})\n");
        if (all.Any(r => r.MustBeAmbient))
        {
            text.Append(CultureInfo.InvariantCulture, $"  setpriv: setpriv --inh-caps={plus} --ambient-caps={plus} {command} ... (file capabilities, setcap, are not enough: they are not passed on to ip)\n");
        }
        else
        {
            bool viaDotnet = executable is not null && Path.GetFileNameWithoutExtension(executable) == "dotnet";
            text.Append(viaDotnet
                ? "  setcap: give the capabilities to the qdhcp executable (setcap " + tools + "+ep /path/to/qdhcp), not to dotnet, and start that executable\n"
                : string.Create(CultureInfo.InvariantCulture, $"  setcap {tools}+ep {executable ?? "/path/to/qdhcp"}\n"));
            text.Append(CultureInfo.InvariantCulture, $"  setpriv: setpriv --inh-caps={plus} --ambient-caps={plus} {command} ...\n");
        }

        text.Append("  or run it as root. docs/privileges.md explains each capability.");
        return text.ToString();
    }
}

/// <summary>Reads this process's capabilities and the namespace's port limit from /proc.</summary>
public static class PrivilegeProbe
{
    /// <summary>This process's capability sets, or null (with the reason) when /proc/self/status cannot tell.</summary>
    public static ProcessCapabilities? Current(out string? error)
    {
        try
        {
            return ProcessCapabilities.TryParse(File.ReadAllText("/proc/self/status"), out ProcessCapabilities capabilities, out error) ? capabilities : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"/proc/self/status: {e.Message}";
            return null;
        }
    }

    /// <summary>net.ipv4.ip_unprivileged_port_start of the namespace this process is in (Linux 4.11+), else 1024.</summary>
    public static int UnprivilegedPortStart()
    {
        try
        {
            return int.TryParse(File.ReadAllText("/proc/sys/net/ipv4/ip_unprivileged_port_start").Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int start)
                ? start
                : PrivilegeRequirements.DefaultUnprivilegedPortStart;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return PrivilegeRequirements.DefaultUnprivilegedPortStart;
        }
    }

    /// <summary>
    /// Null when the process has every capability in <paramref name="requirements"/>, else the error to print. Also
    /// null when /proc cannot tell (the bind or send fails later with the system's own error then).
    /// </summary>
    public static string? Check(string command, IReadOnlyList<PrivilegeRequirement> requirements, string unit)
    {
        if (Current(out _) is not { } capabilities)
        {
            return null;
        }

        uint uid = (uint)Interop.Libc.geteuid();
        IReadOnlyList<PrivilegeRequirement> missing = PrivilegeCheck.Missing(capabilities, uid, requirements);
        return missing.Count == 0 ? null : PrivilegeCheck.Explain(command, missing, requirements, capabilities, uid, Environment.ProcessPath, unit);
    }
}

using CsCheck;
using Qdhcp.Transport.Privileges;

namespace Qdhcp.Transport.Tests;

/// <summary>The /proc/self/status parser and what <c>qdhcp serve</c> and <c>qdhcp agent</c> demand, without touching the process.</summary>
public sealed class PrivilegeCheckTests
{
    // Taken from a process started with setpriv --reuid=nobody --inh-caps=+net_bind_service,+net_raw --ambient-caps=+net_bind_service,+net_raw.
    private const string UnprivilegedWithAmbient = """
        Name:	qdhcp
        Umask:	0022
        State:	S (sleeping)
        Uid:	65534	65534	65534	65534
        Gid:	65534	65534	65534	65534
        CapInh:	0000000000002400
        CapPrm:	0000000000002400
        CapEff:	0000000000002400
        CapBnd:	000001ffffffffff
        CapAmb:	0000000000002400
        NoNewPrivs:	0
        Seccomp:	0
        """;

    private const string Root = """
        Name:	qdhcp
        CapInh:	0000000000000000
        CapPrm:	000001ffffffffff
        CapEff:	000001ffffffffff
        CapBnd:	000001ffffffffff
        CapAmb:	0000000000000000
        """;

    private const string Nobody = """
        CapInh:	0000000000000000
        CapPrm:	0000000000000000
        CapEff:	0000000000000000
        CapBnd:	000001ffffffffff
        CapAmb:	0000000000000000
        """;

    [Fact]
    public void Parse_ReadsAllFiveSets()
    {
        Assert.True(ProcessCapabilities.TryParse(UnprivilegedWithAmbient, out ProcessCapabilities caps, out string? error), error);
        Assert.Equal(new ProcessCapabilities(0x2400, 0x2400, 0x2400, 0x1ffffffffff, 0x2400), caps);
        Assert.True(caps.HasEffective(LinuxCapability.NetBindService));
        Assert.True(caps.HasEffective(LinuxCapability.NetRaw));
        Assert.False(caps.HasEffective(LinuxCapability.NetAdmin));
        Assert.True(caps.HasAmbient(LinuxCapability.NetRaw));
    }

    [Fact]
    public void Parse_KernelWithoutAmbientSet_ReadsAsEmptyAmbient()
    {
        string old = string.Join('\n', Root.Split('\n').Where(l => !l.StartsWith("CapAmb", StringComparison.Ordinal)));
        Assert.True(ProcessCapabilities.TryParse(old, out ProcessCapabilities caps, out _));
        Assert.Equal(0UL, caps.Ambient);
        Assert.True(caps.HasEffective(LinuxCapability.SysAdmin));
    }

    [Theory]
    [InlineData("Name:\tqdhcp\n", "no CapInh")]
    [InlineData("CapInh:\t0\nCapPrm:\t0\nCapEff:\tzz\nCapBnd:\t0\n", "CapEff: 'zz'")]
    [InlineData("CapInh:\t0\nCapPrm:\t0\nCapEff:\t\nCapBnd:\t0\n", "CapEff: ''")]
    [InlineData("CapInh:\t0\nCapPrm:\t0\nCapEff:\t1ffffffffffffffff\nCapBnd:\t0\n", "not a hexadecimal")]
    public void Parse_MissingOrBadLine_SaysWhich(string status, string expected)
    {
        Assert.False(ProcessCapabilities.TryParse(status, out _, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AnyMasks_RoundTrip()
    {
        Gen.Select(Gen.ULong, Gen.ULong, Gen.ULong, Gen.ULong, Gen.ULong).Sample((inh, prm, eff, bnd, amb) =>
        {
            string status = $"Name:\tx\nCapInh:\t{inh:x16}\nCapPrm:\t{prm:x16}\nCapEff:\t{eff:x16}\nCapBnd:\t{bnd:x16}\nCapAmb:\t{amb:x16}\nSeccomp:\t0\n";
            return ProcessCapabilities.TryParse(status, out ProcessCapabilities caps, out _) && caps == new ProcessCapabilities(inh, prm, eff, bnd, amb);
        });
    }

    [Fact]
    public void Serve_AsNobodyWithoutCapabilities_MissesBindAndRaw_AndSaysHowToGrantThem()
    {
        ProcessCapabilities caps = ParseOrFail(Nobody);
        IReadOnlyList<PrivilegeRequirement> needed = PrivilegeRequirements.ForServe(1024, dnsPort: 53);
        IReadOnlyList<PrivilegeRequirement> missing = PrivilegeCheck.Missing(caps, 65534, needed);
        Assert.Equal([LinuxCapability.NetBindService, LinuxCapability.NetRaw], missing.Select(r => r.Capability));

        string text = PrivilegeCheck.Explain("qdhcp serve", missing, needed, caps, 65534, "/usr/lib/qdhcp/qdhcp", "qdhcp-serve@.service");
        Assert.StartsWith("qdhcp serve: missing capabilities CAP_NET_BIND_SERVICE, CAP_NET_RAW (running as uid 65534", text, StringComparison.Ordinal);
        Assert.Contains("DHCP port 67 and DNS port 53 (below net.ipv4.ip_unprivileged_port_start=1024)", text, StringComparison.Ordinal);
        Assert.Contains("AF_PACKET", text, StringComparison.Ordinal);
        Assert.Contains("AmbientCapabilities=CAP_NET_BIND_SERVICE CAP_NET_RAW", text, StringComparison.Ordinal);
        Assert.Contains("setcap cap_net_bind_service,cap_net_raw+ep /usr/lib/qdhcp/qdhcp", text, StringComparison.Ordinal);
        Assert.Contains("--ambient-caps=+net_bind_service,+net_raw", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_UnderDotnet_DoesNotSuggestSetcapOnDotnet()
    {
        ProcessCapabilities caps = ParseOrFail(Nobody);
        IReadOnlyList<PrivilegeRequirement> needed = PrivilegeRequirements.ForServe(1024, dnsPort: 53);
        string text = PrivilegeCheck.Explain("qdhcp serve", PrivilegeCheck.Missing(caps, 65534, needed), needed, caps, 65534, "/usr/share/dotnet/dotnet", "qdhcp-serve@.service");
        Assert.DoesNotContain("+ep /usr/share/dotnet/dotnet", text, StringComparison.Ordinal);
        Assert.Contains("not to dotnet", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_WithBindAndRaw_MissesNothing()
    {
        Assert.Empty(PrivilegeCheck.Missing(ParseOrFail(UnprivilegedWithAmbient), 65534, PrivilegeRequirements.ForServe(1024, 53)));
        Assert.Empty(PrivilegeCheck.Missing(ParseOrFail(Root), 0, PrivilegeRequirements.ForServe(1024, 53)));
    }

    [Theory]
    [InlineData(0, 53, false)]      // ip_unprivileged_port_start=0: every port is free to bind
    [InlineData(68, null, true)]    // DNS off (--port=0), 67 still below the limit
    [InlineData(1024, null, true)]
    [InlineData(60, 53, true)]      // 67 is free, 53 is not
    [InlineData(60, 5353, false)]
    [InlineData(60, 0, false)]      // --port=0 spelled as 0
    public void Serve_NeedsBindServiceOnlyForPortsBelowTheLimit(int unprivilegedPortStart, int? dnsPort, bool needsBind)
    {
        IReadOnlyList<PrivilegeRequirement> needed = PrivilegeRequirements.ForServe(unprivilegedPortStart, dnsPort);
        Assert.Equal(needsBind, needed.Any(r => r.Capability == LinuxCapability.NetBindService));
        Assert.Contains(needed, r => r.Capability == LinuxCapability.NetRaw);
    }

    [Fact]
    public void Serve_RawOnly_NamesOnlyRawButGrantsBoth()
    {
        // Only net_bind_service: binds fine, then fails its first OFFER to a client without an address.
        ProcessCapabilities caps = new(0x400, 0x400, 0x400, 0x1ffffffffff, 0x400);
        IReadOnlyList<PrivilegeRequirement> needed = PrivilegeRequirements.ForServe(1024, 53);
        IReadOnlyList<PrivilegeRequirement> missing = PrivilegeCheck.Missing(caps, 65534, needed);
        Assert.Equal([LinuxCapability.NetRaw], missing.Select(r => r.Capability));
        string text = PrivilegeCheck.Explain("qdhcp serve", missing, needed, caps, 65534, "/usr/bin/qdhcp", "qdhcp-serve@.service");
        Assert.StartsWith("qdhcp serve: missing capability CAP_NET_RAW (", text, StringComparison.Ordinal);
        Assert.Contains("AmbientCapabilities=CAP_NET_BIND_SERVICE CAP_NET_RAW", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Agent_AsRoot_MissesNothing_ButABoundedRootMissesWhatTheBoundDropped()
    {
        Assert.Empty(PrivilegeCheck.Missing(ParseOrFail(Root), 0, PrivilegeRequirements.ForAgent()));

        // Root in a container without CAP_SYS_ADMIN (docker's default set): cannot make namespaces.
        ulong dockerDefault = 0xa80425fb;
        ProcessCapabilities docker = new(0, dockerDefault, dockerDefault, dockerDefault, 0);
        Assert.Equal([LinuxCapability.NetAdmin, LinuxCapability.SysAdmin], PrivilegeCheck.Missing(docker, 0, PrivilegeRequirements.ForAgent()).Select(r => r.Capability));
    }

    [Fact]
    public void Agent_NonRootWithFileCapabilitiesOnly_MissesTheAmbientOnes_AndSaysIpWouldNotHaveThem()
    {
        // setcap on the executable: effective, but ip (exec'd) gets nothing.
        ulong all = (1UL << 10) | (1UL << 12) | (1UL << 13) | (1UL << 21);
        ProcessCapabilities caps = new(0, all, all, 0x1ffffffffff, 0);
        IReadOnlyList<PrivilegeRequirement> needed = PrivilegeRequirements.ForAgent();
        IReadOnlyList<PrivilegeRequirement> missing = PrivilegeCheck.Missing(caps, 1000, needed);
        Assert.Equal([LinuxCapability.NetAdmin, LinuxCapability.SysAdmin], missing.Select(r => r.Capability));
        string text = PrivilegeCheck.Explain("qdhcp agent", missing, needed, caps, 1000, "/usr/bin/qdhcp", "qdhcp-agent.service");
        Assert.Contains("not ambient", text, StringComparison.Ordinal);
        Assert.DoesNotContain("setcap cap_", text, StringComparison.Ordinal);
        Assert.Contains("AmbientCapabilities=CAP_NET_ADMIN CAP_SYS_ADMIN CAP_NET_BIND_SERVICE CAP_NET_RAW", text, StringComparison.Ordinal);

        Assert.Empty(PrivilegeCheck.Missing(caps with { Ambient = all }, 1000, needed));
    }

    [Fact]
    public void Probe_ReadsThisProcess()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "reads /proc");
        Assert.NotNull(PrivilegeProbe.Current(out string? error));
        Assert.Null(error);
        Assert.InRange(PrivilegeProbe.UnprivilegedPortStart(), 0, 65536);
    }

    [Theory]
    [InlineData("qdhcp-serve@.service", "AmbientCapabilities")]
    [InlineData("qdhcp-serve@.service", "CapabilityBoundingSet")]
    [InlineData("qdhcp-agent.service", "CapabilityBoundingSet")]
    public void SystemdUnits_GrantExactlyWhatTheCheckDemands(string unit, string key)
    {
        IReadOnlyList<PrivilegeRequirement> needed = unit.StartsWith("qdhcp-serve", StringComparison.Ordinal)
            ? PrivilegeRequirements.ForServe(PrivilegeRequirements.DefaultUnprivilegedPortStart, 53)
            : PrivilegeRequirements.ForAgent();
        string path = Path.Combine(RepositoryRoot(), "contrib", "systemd", unit);
        string[] lines = File.ReadAllLines(path).Where(l => l.StartsWith(key + "=", StringComparison.Ordinal)).ToArray();
        Assert.True(lines.Length == 1, $"{path}: expected one {key}= line, found {lines.Length}");
        Assert.Equal(
            needed.Select(r => r.Capability.ConstantName()).Order(StringComparer.Ordinal),
            lines[0][(key.Length + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Qdhcp.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no Qdhcp.slnx above {AppContext.BaseDirectory}");
    }

    private static ProcessCapabilities ParseOrFail(string status)
    {
        Assert.True(ProcessCapabilities.TryParse(status, out ProcessCapabilities caps, out string? error), error);
        return caps;
    }
}

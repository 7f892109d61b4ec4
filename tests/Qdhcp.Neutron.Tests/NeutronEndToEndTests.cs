using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace Qdhcp.Neutron.Tests;

/// <summary>
/// Issue 3: the unmodified Neutron DHCP agent of Debian 12 (Zed) runs <c>qdhcp serve</c> where it would run dnsmasq.
/// The work is done by <c>tests/neutron/run-neutron-e2e.sh</c> (installs and starts the stack by hand, in namespaces
/// of its own, and removes everything at the end); this test runs it, asserts each of its checks and that it left
/// nothing behind. <c>QDHCP_NEUTRON_SERVER=dnsmasq</c> (or <c>QDHCP_TEST_SERVER=dnsmasq</c>) runs it against the real
/// dnsmasq; <c>QDHCP_NEUTRON_E2E=0</c> skips it.
/// </summary>
public sealed partial class NeutronEndToEndTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(20);

    [Fact]
    [Trait("Category", "Neutron")]
    public void Unmodified_neutron_dhcp_agent_serves_vms_through_qdhcp()
    {
        string repo = FindRepositoryRoot();
        SkipUnlessPossible();
        string server = Environment.GetEnvironmentVariable("QDHCP_NEUTRON_SERVER") is { Length: > 0 } s ? s
            : Environment.GetEnvironmentVariable("QDHCP_TEST_SERVER") == "dnsmasq" ? "dnsmasq" : "qdhcp";
        string configuration = typeof(NeutronEndToEndTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "QdhcpConfiguration")?.Value ?? "Release";
        string qdhcp = Path.Combine(repo, "src", "Qdhcp.Cli", "bin", configuration, "net10.0", "qdhcp");

        ProcessStartInfo start = new("bash", [Path.Combine(repo, "tests", "neutron", "run-neutron-e2e.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.Environment["QDHCP_NEUTRON_SERVER"] = server;
        start.Environment["QDHCP_BIN"] = qdhcp;
        StringBuilder output = new();
        using Process script = new() { StartInfo = start };
        script.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        script.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        Stopwatch clock = Stopwatch.StartNew();
        script.Start();
        script.StandardInput.Close();
        script.BeginOutputReadLine();
        script.BeginErrorReadLine();
        if (!script.WaitForExit(Timeout))
        {
            // SIGTERM: the script's trap removes what it made.
            _ = Libc.kill(script.Id, 15);
            if (!script.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                script.Kill();
            }
        }

        script.WaitForExit();
        string text;
        lock (output)
        {
            text = output.ToString();
        }

        TestContext.Current.TestOutputHelper?.WriteLine(text);
        TestContext.Current.TestOutputHelper?.WriteLine($"run-neutron-e2e.sh ({server}): exit {script.ExitCode} after {clock.Elapsed.TotalSeconds:F0} s");

        List<string> failed = [.. text.Split('\n').Where(l => l.StartsWith("CHECK FAIL ", StringComparison.Ordinal)).Select(l => l.TrimEnd())];
        int passed = text.Split('\n').Count(l => l.StartsWith("CHECK PASS ", StringComparison.Ordinal));
        Assert.True(script.ExitCode == 0 && failed.Count == 0,
            $"run-neutron-e2e.sh ({server}) exited {script.ExitCode}; {passed} checks passed; failed: {string.Join(" | ", failed)}\n--- last lines ---\n{Tail(text, 60)}");

        // Every check of the issue was made.
        string[] required =
        [
            $"server-is-{server}", "server-in-namespace", "vm1-ip", "vm1-mask", "vm1-router", "vm1-dns", "vm1-domain",
            "vm1-hostname", "vm1-mtu", "vm1-lease-time", "vm1-server-id", "vm2-address", "reloaded-not-restarted",
            "port-delete-releases-lease", "agent-ran-dhcp-release", "network-delete-stops-server", "network-delete-removes-namespace",
        ];
        foreach (string check in required)
        {
            Assert.Contains($"CHECK PASS {check}:", text, StringComparison.Ordinal);
        }

        // Nothing left behind: the lab's namespaces, its state directory, processes running from it.
        Match lab = LabLine().Match(text);
        Assert.True(lab.Success, "the script did not name its lab");
        string rand = lab.Groups["rand"].Value;
        string state = lab.Groups["state"].Value;
        string namespaces = Run("ip", "netns", "list");
        Assert.DoesNotContain(rand, namespaces, StringComparison.Ordinal);
        Assert.False(Directory.Exists(state), $"{state} was left behind");
        foreach (string dir in Directory.GetDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out _) && TryRead(Path.Combine(dir, "cmdline")) is { } cmdline)
            {
                Assert.DoesNotContain(state, cmdline, StringComparison.Ordinal);
            }
        }
    }

    private static void SkipUnlessPossible()
    {
        if (Environment.GetEnvironmentVariable("QDHCP_NEUTRON_E2E") == "0")
        {
            Assert.Skip("QDHCP_NEUTRON_E2E=0");
        }

        if (!OperatingSystem.IsLinux() || Libc.geteuid() != 0)
        {
            Assert.Skip("This test brings up a real Neutron (apt-get install, namespaces, bridges): it needs root on Debian 12. Run ./test.sh as root.");
        }

        bool installed = File.Exists("/usr/bin/neutron-dhcp-agent") && File.Exists("/usr/bin/neutron-server");
        if (!installed && !File.Exists("/usr/bin/apt-get"))
        {
            Assert.Skip("Neutron is not installed and there is no apt-get to install it (Debian 12 packages neutron-server 21).");
        }
    }

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "tests", "neutron", "run-neutron-e2e.sh")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"tests/neutron/run-neutron-e2e.sh not found above {AppContext.BaseDirectory}");
    }

    private static string Tail(string text, int lines) => string.Join('\n', text.Split('\n').TakeLast(lines));

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path).Replace('\0', ' ');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Run(string file, params string[] args)
    {
        using Process p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, UseShellExecute = false })!;
        string text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return text;
    }

    [GeneratedRegex(@"lab=qdnlab-(?<rand>[0-9a-f]+) state=(?<state>\S+)")]
    private static partial Regex LabLine();

    private static class Libc
    {
        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        public static extern uint geteuid();

        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        public static extern int kill(int pid, int signal);
    }
}

using System.Runtime.InteropServices;
using System.Diagnostics;

namespace Qdhcp.Cli.Demo;

/// <summary>Runs the system tools the demo drives (ip, dhclient, tcpdump, ping) and reports failures with their output.</summary>
internal static class Shell
{
    /// <summary>Runs a command to completion; throws with its stderr when it fails and <paramref name="check"/> is set.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string file, IEnumerable<string> args, bool check = true, TimeSpan? timeout = null)
    {
        ProcessStartInfo start = new(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using CancellationTokenSource limit = new(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', start.ArgumentList)} did not finish in time");
        }

        string output = await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false);
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{file} {string.Join(' ', start.ArgumentList)}' failed ({process.ExitCode}): {output.Trim()}");
        }

        return (process.ExitCode, output);
    }

    public static Task<(int ExitCode, string Output)> IpAsync(params string[] args) => RunAsync("ip", args);

    public static Task<(int ExitCode, string Output)> InNamespaceAsync(string ns, params string[] command) =>
        RunAsync("ip", ["netns", "exec", ns, .. command]);

    /// <summary>Starts a long-running command whose output lines are collected; the caller ends it by PID.</summary>
    public static Process Start(string file, IEnumerable<string> args, List<string> lines)
    {
        ProcessStartInfo start = new(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        Process process = new() { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (lines) { lines.Add(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (lines) { lines.Add(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static bool Exists(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':').Append("/usr/sbin").Append("/sbin")
            .Any(dir => File.Exists(Path.Combine(dir, tool)));
}

/// <summary>What both demos (<c>qdhcp demo</c> and <c>qdhcp demo --agent</c>) share: checks, this executable, dhclient in a VM namespace, output.</summary>
internal static class DemoKit
{
    /// <summary>
    /// Ctrl-C, SIGTERM and SIGHUP cancel the returned scope's token instead of ending the process on the spot
    /// (the runtime's default), so a demo always gets to clean up its namespaces, bridge and processes.
    /// </summary>
    public static SignalScope StopOnSignals(CancellationToken cancellationToken) => new(cancellationToken);

    /// <summary>A linked token that the termination signals cancel; dispose to restore the default handling.</summary>
    public sealed class SignalScope : IDisposable
    {
        private readonly CancellationTokenSource _stop;
        private readonly PosixSignalRegistration[] _registrations;

        internal SignalScope(CancellationToken cancellationToken)
        {
            _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _registrations = [.. new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP }.Select(signal => PosixSignalRegistration.Create(signal, Stop))];
        }

        public CancellationToken Token => _stop.Token;

        public void Dispose()
        {
            foreach (PosixSignalRegistration registration in _registrations)
            {
                registration.Dispose();
            }

            _stop.Dispose();
        }

        private void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            _stop.Cancel();
        }
    }

    /// <summary>A dhclient-script of our own: configures only the VM namespace's interface, never /etc/resolv.conf or the host name.</summary>
    public const string DhclientScript = """
        #!/bin/sh
        case "$reason" in
          BOUND|RENEW|REBIND|REBOOT)
            ip -4 addr flush dev "$interface"
            ip addr add "$new_ip_address/$new_subnet_mask" dev "$interface"
            [ -n "$new_interface_mtu" ] && ip link set dev "$interface" mtu "$new_interface_mtu"
            for router in $new_routers; do ip route replace default via "$router" dev "$interface"; break; done
            ;;
        esac
        exit 0
        """;

    /// <summary>Root and the tools the demos drive; false (with the reason on stderr) when one is missing.</summary>
    public static bool CheckPrerequisites(string command, string whyRoot)
    {
        if (Qdhcp.Transport.Interop.Libc.geteuid() != 0)
        {
            Console.Error.WriteLine($"{command} needs root: {whyRoot} Run it as root (sudo).");
            return false;
        }

        foreach (string tool in new[] { "ip", "dhclient" })
        {
            if (!Shell.Exists(tool))
            {
                Console.Error.WriteLine($"{command} needs '{tool}' (apt-get install {(tool == "ip" ? "iproute2" : "isc-dhcp-client")}).");
                return false;
            }
        }

        return true;
    }

    /// <summary>This qdhcp executable and the arguments that precede a subcommand (the dll when run as <c>dotnet qdhcp.dll</c>).</summary>
    public static List<string> SelfCommand()
    {
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot find the qdhcp executable");
        List<string> command = [self];
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            command.Add(Environment.GetCommandLineArgs()[0]);
        }

        return command;
    }

    /// <summary>Starts tcpdump on <paramref name="device"/> in <paramref name="ns"/> when it is installed (DHCP ports only).</summary>
    public static async Task<Process?> StartCaptureAsync(string ns, string device, List<string> capture, CancellationToken cancellationToken)
    {
        if (!Shell.Exists("tcpdump"))
        {
            return null;
        }

        Process tcpdump = Shell.Start("ip", ["netns", "exec", ns, "tcpdump", "-n", "-l", "-i", device, "udp port 67 or udp port 68"], capture);
        await Task.Delay(1000, cancellationToken).ConfigureAwait(false);
        return tcpdump;
    }

    /// <summary>Writes the dhclient-script into <paramref name="directory"/> and returns its path.</summary>
    public static async Task<string> WriteDhclientScriptAsync(string directory, CancellationToken cancellationToken)
    {
        string script = Path.Combine(directory, "dhclient-script");
        await File.WriteAllTextAsync(script, DhclientScript, cancellationToken).ConfigureAwait(false);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return script;
    }

    /// <summary>ISC dhclient on eth0 of <paramref name="ns"/>, in the foreground, with our script; its lease and pid files in <paramref name="directory"/>.</summary>
    public static Process StartDhclient(string ns, string script, string directory, string suffix, List<string> output) =>
        Shell.Start("ip", ["netns", "exec", ns, "dhclient", "-4", "-d", "-1", "-v", "-sf", script,
            "-lf", Path.Combine(directory, $"dhclient{suffix}.leases"), "-pf", Path.Combine(directory, $"dhclient{suffix}.pid"), "eth0"], output);

    /// <summary>Waits until eth0 in <paramref name="ns"/> has <paramref name="address"/>; returns <c>ip -4 addr show dev eth0</c>.</summary>
    public static async Task<string> WaitForAddressAsync(string ns, string address, List<string> dhclientOutput, CancellationToken cancellationToken)
    {
        string addresses = string.Empty;
        Stopwatch waited = Stopwatch.StartNew();
        while (!addresses.Contains(address, StringComparison.Ordinal))
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(20))
            {
                lock (dhclientOutput)
                {
                    throw new TimeoutException($"the VM got no address in 20 s. dhclient said:\n{string.Join('\n', dhclientOutput)}");
                }
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            addresses = (await Shell.IpAsync("-n", ns, "-4", "addr", "show", "dev", "eth0").ConfigureAwait(false)).Output;
        }

        return addresses;
    }

    /// <summary>The BOOTP lines tcpdump printed, from line <paramref name="from"/> on; returns how many lines there are now.</summary>
    public static int PrintCapture(List<string> capture, int from = 0)
    {
        lock (capture)
        {
            foreach (string line in capture.Skip(from).Where(l => l.Contains("BOOTP", StringComparison.Ordinal)))
            {
                Console.WriteLine($"  {line}");
            }

            return capture.Count;
        }
    }

    /// <summary>Kills the processes a demo started (by their PIDs) and waits for them.</summary>
    public static void StopAll(List<Process> started)
    {
        foreach (Process process in started)
        {
            try
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
            }

            process.Dispose();
        }

        started.Clear();
    }

    public static void Step(string text) => Console.WriteLine($"==> {text}");

    public static string Indent(string text) => string.Join('\n', text.TrimEnd().Split('\n').Select(l => "  " + l));
}

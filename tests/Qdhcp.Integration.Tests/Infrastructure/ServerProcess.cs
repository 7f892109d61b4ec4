using System.Diagnostics;

namespace Qdhcp.Integration.Tests.Infrastructure;

/// <summary>Which server the harness runs: <c>QDHCP_TEST_SERVER=dnsmasq</c> selects dnsmasq, anything else (default) qdhcp.</summary>
public enum ServerKind
{
    Qdhcp,
    Dnsmasq,
}

/// <summary>
/// The DHCP server under test, started as <c>ip netns exec &lt;server ns&gt; &lt;binary&gt; [serve] &lt;dnsmasq-style args&gt;</c>.
/// <c>ip netns exec</c> execs in place, so the PID is the server's own. Output is collected for the test log.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Shell.OutputLog _output = new();
    private readonly NetworkLab _lab;
    private readonly string _command;

    private ServerProcess(NetworkLab lab, Process process, string command)
    {
        _lab = lab;
        _process = process;
        _command = command;
    }

    public static ServerKind Kind =>
        string.Equals(Environment.GetEnvironmentVariable("QDHCP_TEST_SERVER"), "dnsmasq", StringComparison.OrdinalIgnoreCase)
            ? ServerKind.Dnsmasq
            : ServerKind.Qdhcp;

    public static bool IsDnsmasq => Kind == ServerKind.Dnsmasq;

    /// <summary>
    /// For tests of behaviour qdhcp is required to have and dnsmasq (the reference) lacks: skip under dnsmasq, saying why.
    /// </summary>
    public static void SkipUnderDnsmasq(string why)
    {
        if (IsDnsmasq)
        {
            Assert.Skip($"QDHCP_TEST_SERVER=dnsmasq: dnsmasq behaves differently from what qdhcp must do here: {why}");
        }
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the server printed so far (stdout and stderr, interleaved).</summary>
    public string Output => _output.ToString();

    /// <param name="wrapper">A command the server is started through, inside the namespace (e.g. setpriv dropping to another user); none by default.</param>
    internal static ServerProcess Start(NetworkLab lab, IReadOnlyList<string> arguments, IReadOnlyList<string>? wrapper = null)
    {
        (string file, List<string> prefix, List<string> diagnostics) = ResolveCommand();
        var info = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in (IEnumerable<string>)["netns", "exec", lab.ServerNamespace, .. wrapper ?? [], file, .. prefix, .. arguments, .. diagnostics])
        {
            info.ArgumentList.Add(arg);
        }

        string command = "ip " + string.Join(' ', info.ArgumentList);
        NetworkLab.Log($"server: {command}");
        Process process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {command}");
        var server = new ServerProcess(lab, process, command);
        process.OutputDataReceived += (_, e) => server._output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => server._output.Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        return server;
    }

    /// <summary>
    /// The binary and its leading arguments. qdhcp: <c>QDHCP_BINARY</c>, else
    /// src/Qdhcp.Cli/bin/&lt;this test build's configuration, then the other&gt;/net10.0/qdhcp. A missing binary is a
    /// failure with instructions, never a skip.
    /// </summary>
    internal static (string File, List<string> Prefix, List<string> Diagnostics) ResolveCommand()
    {
        if (IsDnsmasq)
        {
            string dnsmasq = Shell.Which("dnsmasq")
                ?? throw new FileNotFoundException("QDHCP_TEST_SERVER=dnsmasq but dnsmasq is not installed (apt-get install dnsmasq-base).");
            // Logging only, so a failing test shows what dnsmasq did; it changes no DHCP behaviour.
            return (dnsmasq, [], ["--log-facility=-", "--log-dhcp"]);
        }

        List<string> tried = [];
        string? explicitPath = Environment.GetEnvironmentVariable("QDHCP_BINARY");
        if (!string.IsNullOrEmpty(explicitPath))
        {
            if (File.Exists(explicitPath))
            {
                return (Path.GetFullPath(explicitPath), ["serve"], []);
            }

            throw new FileNotFoundException(
                $"QDHCP_BINARY={explicitPath}, but no such file. Build the server (`dotnet build -c Release Qdhcp.slnx`) " +
                "or point QDHCP_BINARY at the qdhcp executable.");
        }

        string? root = RepositoryRoot();
        if (root is not null)
        {
            string thisConfiguration = AppContext.BaseDirectory.Contains("/bin/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
            foreach (string configuration in new[] { thisConfiguration, thisConfiguration == "Debug" ? "Release" : "Debug" })
            {
                string dir = Path.Combine(root, "src", "Qdhcp.Cli", "bin", configuration, "net10.0");
                string apphost = Path.Combine(dir, "qdhcp");
                if (File.Exists(apphost))
                {
                    return (apphost, ["serve"], []);
                }

                string dll = Path.Combine(dir, "qdhcp.dll");
                if (File.Exists(dll) && Shell.Which("dotnet") is { } dotnet)
                {
                    return (dotnet, [dll, "serve"], []);
                }

                tried.Add(apphost);
            }
        }

        throw new FileNotFoundException(
            "The qdhcp server binary was not found (tried: " + string.Join(", ", tried) + "). Build it first " +
            "(`dotnet build -c Release Qdhcp.slnx`, which builds src/Qdhcp.Cli), set QDHCP_BINARY to its path, " +
            "or run these tests against the reference server with QDHCP_TEST_SERVER=dnsmasq.");
    }

    private static string? RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Qdhcp.slnx")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    /// <summary>Everything the server printed so far, line by line.</summary>
    public IReadOnlyList<string> OutputLines => _output.Lines;

    /// <summary>
    /// Ready means: the process is inside the server namespace and has a UDP socket bound to port 67. Without
    /// <paramref name="waitForPort"/> (nothing to serve yet under <c>--bind-dynamic</c>): it said it started.
    /// </summary>
    internal async Task WaitReadyAsync(TimeSpan timeout, bool waitForPort = true)
    {
        if (!waitForPort)
        {
            // qdhcp: "Serving DHCP: ..."; dnsmasq: "dnsmasq: started, version ...".
            await WaitForOutputAsync(l => l.Contains("Serving DHCP", StringComparison.Ordinal) || l.Contains("started, version", StringComparison.Ordinal), 1, timeout);
            NetworkLab.Log($"server: PID {Pid} says it started");
            return;
        }

        string identity = Netns.Identity(_lab.ServerNamespace);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                await Task.Delay(100); // let the output readers drain
                throw new InvalidOperationException(
                    $"The server exited with code {_process.ExitCode} before it listened on UDP port 67.\ncommand: {_command}\noutput:\n{Output}");
            }

            if (Netns.ProcessIsIn(Pid, identity) && ListensOnPort67())
            {
                NetworkLab.Log($"server: PID {Pid} ready (UDP :67 bound) after {clock.ElapsedMilliseconds} ms");
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException(
            $"The server did not bind UDP port 67 in {_lab.ServerNamespace} within {timeout.TotalSeconds} s.\ncommand: {_command}\noutput:\n{Output}");
    }

    /// <summary>/proc/PID/net/udp lists the sockets of the namespace the process is in; port 67 is 0043.</summary>
    private bool ListensOnPort67()
    {
        try
        {
            return File.ReadLines($"/proc/{Pid}/net/udp").Skip(1)
                .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Any(f => f.Length > 1 && f[1].EndsWith(":0043", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> output lines match; fails the test (with the output) otherwise.</summary>
    public async Task<IReadOnlyList<string>> WaitForOutputAsync(Func<string, bool> match, int count, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            List<string> lines = OutputLines.Where(match).ToList();
            if (lines.Count >= count)
            {
                return lines;
            }

            if (clock.Elapsed > timeout || _process.HasExited)
            {
                await Task.Delay(100);
                Assert.Fail($"Expected {count} matching line(s) from the server within {timeout.TotalSeconds} s, saw {lines.Count}" +
                    $"{(_process.HasExited ? $" (it exited with code {_process.ExitCode})" : string.Empty)}.\ncommand: {_command}\noutput:\n{Output}");
            }

            await Task.Delay(25);
        }
    }

    /// <summary>Waits for the server to exit on its own (a start that must fail); fails the test with its output if it does not.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"The server was expected to exit but still runs after {timeout.TotalSeconds} s.\ncommand: {_command}\noutput:\n{Output}");
        }

        _process.WaitForExit(); // drains the output readers
        return _process.ExitCode;
    }

    /// <summary>SIGKILL, as the agent ends a network's server; waits for the process to be gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            Native.kill(Pid, Native.SigKill);
            await _process.WaitForExitAsync();
        }

        NetworkLab.Log($"server: killed PID {Pid}");
    }

    /// <summary>SIGHUP, as the Neutron agent sends after rewriting the host/opts files.</summary>
    public async Task ReloadAsync()
    {
        AssertAlive();
        if (Native.kill(Pid, Native.SigHup) != 0)
        {
            throw new InvalidOperationException($"kill -HUP {Pid}: {Native.LastError()}");
        }

        NetworkLab.Log($"server: sent SIGHUP to {Pid}");
        // A reload is asynchronous in every server; give it a moment to re-read the files.
        await Task.Delay(500);
        AssertAlive();
    }

    public void AssertAlive()
    {
        if (_process.HasExited)
        {
            Assert.Fail($"The server (PID {Pid}) died with exit code {_process.ExitCode}.\noutput:\n{Output}");
        }
    }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            Native.kill(Pid, Native.SigTerm);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                Native.kill(Pid, Native.SigKill);
                await _process.WaitForExitAsync();
            }
        }

        NetworkLab.Log($"server output (PID {Pid}, exit {_process.ExitCode}):\n{Output}");
        _process.Dispose();
    }
}

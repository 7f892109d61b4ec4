using System.Diagnostics;

namespace Qdhcp.Integration.Tests.Infrastructure;

/// <summary>
/// What the Neutron agent's <c>execute()</c> saw of one <c>ip netns exec &lt;ns&gt; &lt;server&gt; &lt;args&gt;</c> run
/// without <c>--keep-in-foreground</c>: it waits for the process to exit and for its stdout and stderr pipes to
/// reach end-of-file (a detached server that kept a copy of them would hang the agent).
/// </summary>
/// <param name="Command">The command line, for messages.</param>
/// <param name="LauncherPid">The PID of the command the harness started (the server's parent, not the daemon).</param>
/// <param name="ExitCode">Its exit code, or null when it did not exit within the timeout.</param>
/// <param name="StdoutClosed">True when stdout reached end-of-file within the timeout.</param>
/// <param name="StderrClosed">True when stderr reached end-of-file within the timeout.</param>
/// <param name="Stdout">What it printed on stdout (so far).</param>
/// <param name="Stderr">What it printed on stderr (so far).</param>
/// <param name="Elapsed">From start until exit and both end-of-files (or the timeout).</param>
public sealed record DaemonLaunch(string Command, int LauncherPid, int? ExitCode, bool StdoutClosed, bool StderrClosed, string Stdout, string Stderr, TimeSpan Elapsed)
{
    /// <summary>Exited and both pipes closed: what the agent needs to go on.</summary>
    public bool Completed => ExitCode is not null && StdoutClosed && StderrClosed;

    public override string ToString() =>
        $"`{Command}`: exit {ExitCode?.ToString() ?? "(still running)"}, stdout {(StdoutClosed ? "closed" : "OPEN")}, " +
        $"stderr {(StderrClosed ? "closed" : "OPEN")} after {Elapsed.TotalSeconds:F1} s\nstdout: {Stdout}\nstderr: {Stderr}";

    /// <summary>
    /// Runs the server under test in the lab's server namespace as the agent does (no <c>-k</c>, output to pipes)
    /// and waits for it as <c>execute()</c> does, at most <paramref name="timeout"/>. Whatever it leaves running
    /// is the caller's to adopt (<see cref="DetachedServer"/>); the lab kills it at the end in any case.
    /// </summary>
    public static async Task<DaemonLaunch> RunAsync(NetworkLab lab, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        (string file, List<string> prefix, _) = ServerProcess.ResolveCommand();
        var info = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in (IEnumerable<string>)["netns", "exec", lab.ServerNamespace, file, .. prefix, .. arguments])
        {
            info.ArgumentList.Add(arg);
        }

        string command = "ip " + string.Join(' ', info.ArgumentList);
        NetworkLab.Log($"daemon launch: {command}");
        var clock = Stopwatch.StartNew();
        using Process process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {command}");
        process.StandardInput.Close();
        var stdout = new Shell.OutputLog();
        var stderr = new Shell.OutputLog();
        Task stdoutDone = Drain(process.StandardOutput, stdout);
        Task stderrDone = Drain(process.StandardError, stderr);
        Task exited = process.WaitForExitAsync();
        await Task.WhenAny(Task.WhenAll(stdoutDone, stderrDone, exited), Task.Delay(timeout));
        clock.Stop();
        int? exitCode = process.HasExited ? process.ExitCode : null;
        if (exitCode is null)
        {
            Native.kill(process.Id, Native.SigKill);
        }

        var launch = new DaemonLaunch(command, process.Id, exitCode, stdoutDone.IsCompleted, stderrDone.IsCompleted, stdout.ToString(), stderr.ToString(), clock.Elapsed);
        NetworkLab.Log($"daemon launch: {launch}");
        return launch;
    }

    private static async Task Drain(StreamReader reader, Shell.OutputLog log)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            log.Add(line);
        }
    }
}

/// <summary>
/// A server that detached from the harness: known only by the PID in its pid file. Disposing SIGKILLs it, but only
/// while <c>/proc/&lt;pid&gt;/cmdline</c> still names the lab's network (the PID may have been reused otherwise).
/// </summary>
public sealed class DetachedServer : IAsyncDisposable
{
    private readonly NetworkLab _lab;

    private DetachedServer(NetworkLab lab, int pid)
    {
        _lab = lab;
        Pid = pid;
    }

    public int Pid { get; }

    /// <summary>Reads the lab's pid file and adopts that PID for cleanup; fails the test when there is no valid pid file.</summary>
    public static DetachedServer FromPidFile(NetworkLab lab)
    {
        Assert.True(File.Exists(lab.PidFile), $"No pid file {lab.PidFile}");
        string text = File.ReadAllText(lab.PidFile);
        Assert.True(int.TryParse(text.Trim(), out int pid) && pid > 1, $"The pid file {lab.PidFile} holds no PID: '{text}'");
        var server = new DetachedServer(lab, pid);
        if (server.IsOurs)
        {
            lab.Own(server);
        }

        return server;
    }

    /// <summary>/proc/PID/cmdline with NUL separators turned into spaces; empty when the process is gone.</summary>
    public string CommandLine
    {
        get
        {
            try
            {
                return File.ReadAllText($"/proc/{Pid}/cmdline").Replace('\0', ' ').Trim();
            }
            catch (IOException)
            {
                return string.Empty;
            }
        }
    }

    /// <summary>Alive, not a zombie (it is not our child, so its reaper may take a moment).</summary>
    public bool IsAlive
    {
        get
        {
            try
            {
                string stat = File.ReadAllText($"/proc/{Pid}/stat");
                return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z') is false;
            }
            catch (IOException)
            {
                return false;
            }
        }
    }

    /// <summary>The process is alive and its command line names the lab's network, as the agent's liveness check asks.</summary>
    public bool IsOurs => IsAlive && CommandLine.Contains(_lab.NetworkId, StringComparison.Ordinal);

    public void Signal(int signal)
    {
        Assert.True(IsOurs, $"PID {Pid} is not the lab's server any more (cmdline: '{CommandLine}')");
        Assert.True(Native.kill(Pid, signal) == 0, $"kill -{signal} {Pid}: {Native.LastError()}");
        NetworkLab.Log($"detached server: sent signal {signal} to {Pid}");
    }

    /// <summary>Waits until the process is gone (or a zombie); false on timeout.</summary>
    public async Task<bool> WaitGoneAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (!IsAlive)
            {
                return true;
            }

            await Task.Delay(25);
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        if (IsOurs)
        {
            Native.kill(Pid, Native.SigKill);
            await WaitGoneAsync(TimeSpan.FromSeconds(3));
            NetworkLab.Log($"detached server: killed {Pid} at teardown");
        }
    }
}

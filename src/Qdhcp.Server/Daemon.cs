using System.Diagnostics;
using Qdhcp.Transport.Interop;

namespace Qdhcp.Server;

/// <summary>
/// dnsmasq's daemon mode without fork(): the runtime cannot fork safely, so the parent starts this executable
/// again with the same arguments (so <c>/proc/&lt;pid&gt;/cmdline</c> still names the network, which is how
/// Neutron's agent judges liveness) and a marker in the environment, waits until the child says it serves, and
/// exits. The child leaves the session (setsid) and lets go of the caller's stdio, or the agent, which waits for
/// its command's output to close, would hang.
/// </summary>
public static class Daemon
{
    private const string ChildMarker = "QDHCP_DAEMON_CHILD";
    private const string ReadyLine = "qdhcp-ready";

    /// <summary>True in the detached child.</summary>
    public static bool IsChild => Environment.GetEnvironmentVariable(ChildMarker) == "1";

    /// <summary>Parent side: starts the child with <paramref name="args"/> and returns the exit code for the parent.</summary>
    public static int StartChild(IReadOnlyList<string> args, TimeSpan timeout)
    {
        string processPath = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot find this executable's path to start the daemon.");
        ProcessStartInfo start = new(processPath)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardInput = false,
            RedirectStandardError = false,
        };

        // Run as `dotnet qdhcp.dll ...`: the child needs the assembly path first.
        if (Path.GetFileNameWithoutExtension(processPath) == "dotnet")
        {
            start.ArgumentList.Add(Environment.GetCommandLineArgs()[0]);
        }

        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment[ChildMarker] = "1";
        using Process child = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {processPath}.");
        Task<string?> line = child.StandardOutput.ReadLineAsync();
        if (line.Wait(timeout) && line.Result == ReadyLine)
        {
            return 0;
        }

        if (child.WaitForExit(TimeSpan.FromSeconds(1)))
        {
            return child.ExitCode == 0 ? 1 : child.ExitCode;
        }

        Console.Error.WriteLine($"qdhcp: the server (pid {child.Id}) did not become ready within {timeout.TotalSeconds:F0} s; stopping it. Its log above shows how far it got; -k keeps it in the foreground to watch it.");
        child.Kill();
        return 1;
    }

    /// <summary>
    /// Takes an exclusive lock on <c>&lt;pid-file&gt;.lock</c> for the life of the process (flock, released by the kernel
    /// when the process ends, even by SIGKILL). Null and no error when there is no pid file; an error when another
    /// server holds the lock.
    /// </summary>
    public static FileStream? TryLockInstance(string? pidFile, out string? error)
    {
        error = null;
        if (string.IsNullOrEmpty(pidFile))
        {
            return null;
        }

        string lockPath = pidFile + ".lock";
        try
        {
            // FileShare.None is an exclusive flock on Linux.
            return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (DirectoryNotFoundException)
        {
            error = $"cannot create {lockPath}: the directory of --pid-file={pidFile} does not exist";
            return null;
        }
        catch (IOException)
        {
            error = $"another qdhcp serve already serves with --pid-file={pidFile} (it holds {lockPath}); not starting a second one";
            return null;
        }
        catch (UnauthorizedAccessException e)
        {
            error = $"cannot create {lockPath}: {e.Message}";
            return null;
        }
    }

    /// <summary>Child side, at start: a session of its own, so the caller's process group signals do not reach it.</summary>
    public static void DetachFromSession() => _ = Libc.setsid();

    /// <summary>
    /// Child side, once serving: tells the parent, then points stdin and stdout at /dev/null and stderr (where logs
    /// go) at <paramref name="logFile"/> or /dev/null.
    /// </summary>
    public static void SignalReadyAndReleaseStdio(string? logFile)
    {
        Console.Out.WriteLine(ReadyLine);
        Console.Out.Flush();

        // The caller's pipes may also sit on higher descriptors (copies the runtime made before we were started);
        // every copy must go, or the caller never sees end-of-file. Note them before replacing 0-2.
        // The console logger writes through the runtime's copy of fd 2, so the copies of stderr must become the log
        // file too (pointing only fd 2 at it leaves the log empty).
        HashSet<string> callerStdio = [];
        string? callerStderr = LinkTarget(2) is { } err && err != "/dev/null" ? err : null;
        for (int fd = 0; fd <= 2; fd++)
        {
            if (LinkTarget(fd) is { } target && target != "/dev/null")
            {
                callerStdio.Add(target);
            }
        }

        using FileStream devNull = new("/dev/null", FileMode.Open, FileAccess.ReadWrite);
        int nullFd = (int)devNull.SafeFileHandle.DangerousGetHandle();
        using FileStream? log = logFile is { Length: > 0 } ? new(logFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite) : null;
        int logFd = log is null ? nullFd : (int)log.SafeFileHandle.DangerousGetHandle();
        _ = Libc.dup2(nullFd, 0);
        _ = Libc.dup2(nullFd, 1);
        _ = Libc.dup2(logFd, 2);

        foreach (string entry in Directory.GetFiles("/proc/self/fd"))
        {
            if (int.TryParse(Path.GetFileName(entry), out int fd) && fd > 2 && fd != nullFd && fd != logFd && LinkTarget(fd) is { } target && callerStdio.Contains(target))
            {
                _ = Libc.dup2(target == callerStderr ? logFd : nullFd, fd);
            }
        }
    }

    private static string? LinkTarget(int fd)
    {
        try
        {
            return new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }
}

using System.Diagnostics;
using System.Text;

namespace Qdhcp.Agent.Linux.Plumbing;

/// <summary>An <c>ip</c> command (or batch) that failed: the command, its exit code and what iproute2 said.</summary>
public sealed class PlumbingException(string message) : Exception(message);

/// <summary>
/// Runs iproute2. Changes go through <c>ip [-n NS] -batch -</c>, one process for many commands: at 1,000
/// networks a process per command would cost seconds (a fork+exec of <c>ip</c> takes several ms here).
/// </summary>
internal static class IpCommand
{
    public static string Binary { get; set; } = "ip";

    /// <summary>Runs <c>ip args…</c> and returns stdout; throws <see cref="PlumbingException"/> on a non-zero exit.</summary>
    public static string Run(IReadOnlyList<string> args, string? stdin = null)
    {
        ProcessStartInfo start = new(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        Process? started;
        try
        {
            started = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            // A missing binary throws here rather than returning null: say what to install.
            throw new PlumbingException($"cannot run '{Binary}' ({e.Message}): the agent needs iproute2 (apt-get install iproute2)");
        }

        using Process process = started ?? throw new PlumbingException($"cannot start {Binary}");
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }

        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            string command = $"{Binary} {string.Join(' ', args)}";
            string input = stdin is null ? string.Empty : $" (batch: {Truncate(stdin)})";
            throw new PlumbingException($"`{command}`{input} exited {process.ExitCode}: {stderr.Result.Trim()}");
        }

        return stdout;
    }

    /// <summary>Runs <paramref name="lines"/> through <c>ip [-n netns] -batch -</c>; nothing to do for no lines.</summary>
    public static void Batch(string? netns, IReadOnlyCollection<string> lines, bool force = false)
    {
        if (lines.Count == 0)
        {
            return;
        }

        List<string> args = [];
        if (netns is not null)
        {
            args.Add("-n");
            args.Add(netns);
        }

        if (force)
        {
            args.Add("-force");
        }

        args.Add("-batch");
        args.Add("-");
        Run(args, string.Concat(lines.Select(l => l + "\n")));
    }

    private static string Truncate(string text) => text.Length <= 400 ? text.ReplaceLineEndings("; ") : text[..400].ReplaceLineEndings("; ") + "…";
}

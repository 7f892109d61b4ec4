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

using System.Diagnostics;
using System.Text;

namespace Qdhcp.Integration.Tests.Infrastructure;

/// <summary>Runs short commands (ip, ss, kill) to completion and reports what they printed.</summary>
public static class Shell
{
    public sealed record Result(string Command, int ExitCode, string Stdout, string Stderr)
    {
        public bool Ok => ExitCode == 0;

        public override string ToString() => $"`{Command}` exited {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
    }

    public static Result Run(string file, params IEnumerable<string> args) => Run(file, args, TimeSpan.FromSeconds(30));

    public static Result Run(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        string command = file + " " + string.Join(' ', info.ArgumentList);
        using Process process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {command}");
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill();
            process.WaitForExit();
            return new Result(command, -1, stdout.Result, stderr.Result + $"\n(timed out after {timeout.TotalSeconds} s, killed)");
        }

        process.WaitForExit();
        return new Result(command, process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs and throws with the command's output when it fails.</summary>
    public static string Check(string file, params IEnumerable<string> args)
    {
        Result result = Run(file, args);
        if (!result.Ok)
        {
            throw new InvalidOperationException(result.ToString());
        }

        return result.Stdout;
    }

    /// <summary><c>ip</c> with the given arguments; throws when it fails.</summary>
    public static string Ip(params string[] args) => Check("ip", args);

    /// <summary>Finds an executable on PATH (plus the sbin directories, which a non-login root PATH may lack).</summary>
    public static string? Which(string name)
    {
        IEnumerable<string> dirs = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin"]);
        foreach (string dir in dirs)
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Collects a process's output lines as they come, thread-safe, for logs shown on failure.</summary>
    public sealed class OutputLog
    {
        private readonly StringBuilder _text = new();
        private readonly List<string> _lines = [];

        public void Add(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_text)
            {
                _text.AppendLine(line);
                _lines.Add(line);
            }
        }

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_text)
                {
                    return [.. _lines];
                }
            }
        }

        public override string ToString()
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }
}

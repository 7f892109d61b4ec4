using System.Diagnostics;

namespace Qdhcp.Integration.Tests.Infrastructure;

/// <summary>
/// <c>tcpdump -n -l -i &lt;if&gt; &lt;filter&gt;</c> inside a namespace, as an operator runs it in <c>qdhcp-&lt;net&gt;</c>;
/// collects the printed lines. With <c>-n</c>, tcpdump 4.99 prints ports as numbers (67/68, not bootps/bootpc).
/// </summary>
public sealed class Tcpdump : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Shell.OutputLog _lines = new();
    private readonly Shell.OutputLog _errors = new();

    private Tcpdump(Process process) => _process = process;

    /// <summary>Captured lines, each without its timestamp (tcpdump -t).</summary>
    public IReadOnlyList<string> Lines => _lines.Lines;

    internal static Tcpdump Start(NetworkLab lab, string ns, string iface, string filter)
    {
        string tcpdump = LabRequirements.RequireTool("tcpdump", "tcpdump");
        var info = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in (IEnumerable<string>)["netns", "exec", ns, tcpdump, "-n", "-l", "-t", "-U", "-i", iface, .. filter.Split(' ')])
        {
            info.ArgumentList.Add(arg);
        }

        NetworkLab.Log("tcpdump: ip " + string.Join(' ', info.ArgumentList));
        Process process = Process.Start(info) ?? throw new InvalidOperationException("Could not start tcpdump");
        var capture = new Tcpdump(process);
        process.OutputDataReceived += (_, e) => capture._lines.Add(e.Data);
        process.ErrorDataReceived += (_, e) => capture._errors.Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        return capture;
    }

    internal async Task WaitReadyAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_errors.Lines.Any(l => l.StartsWith("listening on", StringComparison.Ordinal)))
            {
                return;
            }

            if (_process.HasExited)
            {
                break;
            }

            await Task.Delay(25);
        }

        throw new InvalidOperationException($"tcpdump did not start:\n{_errors}");
    }

    /// <summary>Waits until at least <paramref name="count"/> lines match, or the timeout passes; returns the matching lines.</summary>
    public async Task<IReadOnlyList<string>> WaitForAsync(Func<string, bool> match, int count, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            List<string> found = Lines.Where(match).ToList();
            if (found.Count >= count || clock.Elapsed >= timeout)
            {
                return found;
            }

            await Task.Delay(50);
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
            Native.kill(_process.Id, Native.SigTerm);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                Native.kill(_process.Id, Native.SigKill);
                await _process.WaitForExitAsync();
            }
        }

        NetworkLab.Log($"tcpdump captured:\n{string.Join('\n', Lines)}");
        _process.Dispose();
    }
}

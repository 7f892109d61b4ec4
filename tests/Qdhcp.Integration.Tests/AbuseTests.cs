using System.Globalization;
using Qdhcp.Integration.Tests.Infrastructure;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Integration.Tests;

/// <summary>
/// Issue 7's abuse cases against the real server: garbage at line rate (bounded memory, still serving, quiet
/// logs), packets arriving on an interface the server was not told to serve. (A REQUEST naming another server's
/// option 54 is <see cref="CraftedPacketTests.RequestSelectingAnotherServer_GetsNoAnswer"/>.)
/// </summary>
[Trait("Category", "Namespace")]
public sealed class AbuseTests
{
    private const long RssHeadroomBytes = 32L << 20;

    [Fact]
    public async Task GarbageAtFullSpeedForTenSeconds_RssStaysBounded_LogsStayQuiet_AndARealClientIsServedAfterwards()
    {
        await using NetworkLab lab = NetworkLab.Create();
        lab.WriteCaptureConfiguration();
        ServerProcess server = await lab.StartServerAsync();
        Vm attacker = lab.AddVm(MacAddress.Parse("fa:16:3e:aa:ab:01"), "10.10.10.61/24");
        using (CraftedClient warm = CraftedClient.Open(lab.AddVm(MacAddress.Parse("fa:16:3e:aa:ab:02"))))
        {
            // The packet path warm (JIT, buffers) before the baseline, as it is in any server that has served.
            Assert.Equal(Seeds.Ip("10.10.10.2"), warm.Dora(Seeds.Mac2).Yiaddr);
        }

        long startRss = Rss(server.Pid);
        int linesBefore = server.OutputLines.Count;
        using CancellationTokenSource sampling = new();
        Task<long> peak = Task.Run(async () =>
        {
            long max = startRss;
            while (!sampling.IsCancellationRequested && !server.HasExited)
            {
                max = Math.Max(max, Rss(server.Pid));
                await Task.Delay(100);
            }

            return max;
        });

        IReadOnlyDictionary<string, string> flood = await LoadGen.RunAsync(attacker, "garbage", "--duration", "10", "--seed", "7");
        await sampling.CancelAsync();
        long peakRss = await peak;

        server.AssertAlive();
        NetworkLab.Log($"garbage: {flood.Number("sent")} datagrams ({flood["sent_per_s"]}/s); server RSS {startRss >> 20} MiB at start, {peakRss >> 20} MiB at most");
        Assert.True(flood.Number("sent") >= 50_000, $"the flood sent only {flood.Number("sent")} datagrams: not a flood");
        Assert.True(peakRss < startRss + RssHeadroomBytes,
            $"RSS grew from {startRss >> 20} MiB to {peakRss >> 20} MiB under garbage (bound: start + {RssHeadroomBytes >> 20} MiB)");
        // Nothing is logged per packet by default: a flood must not become a flood of log lines.
        int linesDuring = server.OutputLines.Count - linesBefore;
        Assert.True(linesDuring < 20, $"the server logged {linesDuring} lines during the flood:\n{string.Join('\n', server.OutputLines.Skip(linesBefore).Take(20))}");

        ClientLease lease = (await RealClients.RunUdhcpcAsync(lab.AddVm(Seeds.Mac5))).AssertBound();
        Assert.Equal("10.10.10.5", lease.Address);
        server.AssertAlive();
    }

    [Fact]
    public async Task DiscoverOnAnInterfaceNotServed_GetsNoAnswer_WhileTheServedOneAnswersTheSameHost()
    {
        await using NetworkLab lab = NetworkLab.Create();
        lab.WriteCaptureConfiguration();
        // A second port in the server's namespace, same subnet, on a segment of its own; the server is told
        // --interface=<tap> only (the seed's command line), so it must neither listen there nor answer.
        string other = $"qo{lab.Id}";
        lab.AddServerSegment("br1", other, "10.10.10.4/24");
        ServerProcess server = await lab.StartServerAsync();
        using CraftedClient outside = CraftedClient.Open(lab.AddVm(MacAddress.Parse("fa:16:3e:aa:ab:03"), bridge: "br1"));
        using CraftedClient inside = CraftedClient.Open(lab.AddVm(MacAddress.Parse("fa:16:3e:aa:ab:04")));

        for (int i = 0; i < 3; i++)
        {
            Assert.Null(outside.Discover(Seeds.Mac2, timeout: TimeSpan.FromSeconds(1)));
            Assert.Null(outside.Discover(Seeds.Mac5, broadcast: true, timeout: TimeSpan.FromSeconds(1)));
        }

        Assert.Equal(Seeds.Ip("10.10.10.2"), inside.Dora(Seeds.Mac2).Yiaddr);
        if (!ServerProcess.IsDnsmasq)
        {
            Assert.DoesNotContain(server.OutputLines, l => l.Contains(other, StringComparison.Ordinal));
        }

        server.AssertAlive();
    }

    private static long Rss(int pid)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"no VmRSS in /proc/{pid}/status");
    }
}

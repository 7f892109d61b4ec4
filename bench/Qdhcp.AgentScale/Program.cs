// qdhcp-agent-scale <networks> <ports per network> <state dir> [--keep]
// Fills an in-memory store, starts one AgentRuntime (full resync: namespaces, veths, bridges, sockets), prints
// timings and RSS, stops it (plumbing stays), starts it again (nothing to change: every network untouched), prints
// again, then removes everything it made unless --keep.
using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Qdhcp.Agent.Linux.Hosting;
using Qdhcp.Agent.Linux.Plumbing;
using Qdhcp.Agent.Model;
using Qdhcp.Agent.Store;

int networks = int.Parse(args[0]);
int portsPer = int.Parse(args[1]);
string stateDir = args[2];
bool keep = args.Contains("--keep");

InMemoryNetworkStore store = new();
List<Network> created = [];
Stopwatch fill = Stopwatch.StartNew();
for (int n = 0; n < networks; n++)
{
    Network network = await store.CreateNetworkAsync(new Network(Guid.NewGuid().ToString(), $"scale-{n}", 1450, true, string.Empty));
    created.Add(network);
    Subnet subnet = await store.CreateSubnetAsync(new Subnet(Guid.NewGuid().ToString(), network.Id, "s", "10.60.0.0/24", "10.60.0.1", ["10.60.0.53"], [], true,
        [new AllocationPool("10.60.0.2", "10.60.0.250")], 86400));
    for (int p = 0; p < portsPer; p++)
    {
        await store.CreatePortAsync(new PortRequest(null, network.Id, "vm", null, [new FixedIpRequest(subnet.Id, $"10.60.0.{100 + p}")], "compute:nova", "vm", null, []));
    }
}

Console.WriteLine($"store filled: {networks} networks x {portsPer} ports in {fill.Elapsed.TotalSeconds:F1} s");
long rssBefore = Rss();
for (int round = 1; round <= 2; round++)
{
    LinuxPlumbing plumbing = new(stateDir, new BridgePerNetworkSegmentDriver(), NullLogger.Instance);
    AgentRuntime runtime = new(store, plumbing, new AgentRuntimeOptions(), NullLoggerFactory.Instance);
    Stopwatch start = Stopwatch.StartNew();
    await runtime.StartAsync();
    double seconds = start.Elapsed.TotalSeconds;
    GC.Collect();
    await Task.Delay(1000);
    ResyncReport r = runtime.LastResync!;
    Console.WriteLine($"round {round} ({(round == 1 ? "fresh machine" : "restart, plumbing in place")}): start+resync {seconds:F2} s " +
        $"(read {r.ReadTime.TotalSeconds:F2} s, apply {r.ApplyTime.TotalSeconds:F2} s, {r.Commands} ip commands), " +
        $"networks {r.Networks}, changed {r.Changed}, untouched {r.Untouched}, served {runtime.NetworksServed.Count}, failures {r.Failures.Count}{(r.Failures.Count > 0 ? " first: " + r.Failures.First().Value : "")}, " +
        $"RSS {Rss() / 1024.0:F1} MiB (before start {rssBefore / 1024.0:F1} MiB), threads {Process.GetCurrentProcess().Threads.Count}");
    await runtime.DisposeAsync();
}

if (!keep)
{
    LinuxPlumbing plumbing = new(stateDir, new BridgePerNetworkSegmentDriver(), NullLogger.Instance);
    Stopwatch clean = Stopwatch.StartNew();
    PlumbingState actual = plumbing.ReadActual([.. plumbing.Owned.Namespaces.Keys]);
    plumbing.Apply(plumbing.Plan([], actual, removeStale: true));
    Console.WriteLine($"removed everything in {clean.Elapsed.TotalSeconds:F1} s");
}

static long Rss() => long.Parse(File.ReadAllLines("/proc/self/status").First(l => l.StartsWith("VmRSS:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);

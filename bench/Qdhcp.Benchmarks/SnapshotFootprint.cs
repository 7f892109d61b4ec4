using System.Diagnostics;
using Qdhcp.Engine.Dhcp4;
using Qdhcp.Engine.Model;

namespace Qdhcp.Benchmarks;

/// <summary>
/// What compiling the bench network's hosts into a <see cref="Dhcp4NetworkSnapshot"/> keeps alive and costs, over a
/// <see cref="HostTable"/> as the dnsmasq loader hands it over (so the table's own size is reported apart):
/// retained = <see cref="GC.GetTotalMemory(bool)"/> growth with the snapshot alive, allocated = this thread's
/// allocations, CPU = the process's, per compile (the median of several).
/// </summary>
internal static class SnapshotFootprint
{
    private const int Compiles = 9;
    private static Dhcp4NetworkSnapshot? s_snapshot;

    public static int Run(int hosts)
    {
        Dhcp4Configuration list = BenchNetwork.Configuration(hosts);
        long before = GC.GetTotalMemory(forceFullCollection: true);
        HostTable table = HostTable.From(list.Reservations);
        long tableBytes = GC.GetTotalMemory(forceFullCollection: true) - before;
        Dhcp4Configuration configuration = list with { Reservations = table };
        list = null!;

        Dhcp4NetworkSnapshot.Compile(configuration); // JIT the compiler's code before measuring
        var milliseconds = new List<double>();
        var cpuMilliseconds = new List<double>();
        var allocated = new List<long>();
        long retained = 0;
        for (int i = 0; i < Compiles; i++)
        {
            long baseline = GC.GetTotalMemory(forceFullCollection: true);
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            long started = Stopwatch.GetTimestamp();
            s_snapshot = Dhcp4NetworkSnapshot.Compile(configuration);
            milliseconds.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            cpuMilliseconds.Add((Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds);
            allocated.Add(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore);
            retained = GC.GetTotalMemory(forceFullCollection: true) - baseline;
            s_snapshot = null; // or the next baseline would count it, and the next snapshot would replace it
        }

        Console.WriteLine($"{hosts} hosts: host table {Mb(tableBytes)} retained; compile over it: {Median(milliseconds):F1} ms wall, {Median(cpuMilliseconds):F1} ms CPU, {Mb(Median(allocated))} allocated, {Mb(retained)} retained (medians of {Compiles})");
        GC.KeepAlive(table);
        return 0;
    }

    private static string Mb(long bytes) => $"{bytes / 1e6:F2} MB";

    private static T Median<T>(List<T> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}

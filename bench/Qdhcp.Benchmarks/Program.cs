using BenchmarkDotNet.Running;
using Qdhcp.Benchmarks;

// dotnet run -c Release --project bench/Qdhcp.Benchmarks -- --filter '*'
// (add --job short for a quick look). Results land in BenchmarkDotNet.Artifacts/.
// dotnet run -c Release --project bench/Qdhcp.Benchmarks -- journal-1m [directory]: a million renewals, journal size, compaction and replay cost.
// dotnet run -c Release --project bench/Qdhcp.Benchmarks -- snapshot-footprint [hosts]: what compiling the hosts into a snapshot keeps and costs.
if (args is ["journal-1m", ..])
{
    return LeaseJournalScale.Run(args.Length > 1 ? args[1] : "/var/tmp");
}

if (args is ["snapshot-footprint", ..])
{
    return SnapshotFootprint.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 65_535);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

namespace Qdhcp.Fuzz;

/// <summary>
/// The fuzz targets by name. Each takes arbitrary bytes and returns normally; any exception that escapes is a finding
/// (the code under test promises never to throw on untrusted input, or the target's own oracle failed).
/// </summary>
public static class FuzzTargets
{
    /// <summary>Every target, by the name used on the command line, in fuzz/run.sh and for the corpus folder.</summary>
    public static IReadOnlyDictionary<string, FuzzTarget> All { get; } = new Dictionary<string, FuzzTarget>(StringComparer.Ordinal)
    {
        ["dhcp4-reader"] = Dhcp4ReaderTarget.Fuzz,
        ["dhcp4-engine"] = Dhcp4EngineTarget.Fuzz,
        ["dns-reader"] = DnsReaderTarget.Fuzz,
        ["dns-responder"] = DnsResponderTarget.Fuzz,
        ["hosts-file"] = HostsFileTarget.Fuzz,
        ["opts-file"] = OptsFileTarget.Fuzz,
        ["lease-file"] = LeaseFileTarget.Fuzz,
    };
}

/// <summary>One fuzz target: consumes the input, throws on a finding.</summary>
public delegate void FuzzTarget(ReadOnlySpan<byte> data);

/// <summary>A target's own check failed (the code did not throw, but its output broke an invariant).</summary>
public sealed class FuzzInvariantException(string message) : Exception(message);

internal static class Check
{
    public static void That(bool condition, string message)
    {
        if (!condition)
        {
            throw new FuzzInvariantException(message);
        }
    }
}

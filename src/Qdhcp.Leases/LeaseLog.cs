using Microsoft.Extensions.Logging;

namespace Qdhcp.Leases;

/// <summary>The lease journal's log messages (fixed event ids). Failures are rate-limited by the caller; nothing per packet.</summary>
internal static partial class LeaseLog
{
    [LoggerMessage(EventId = 500, Level = LogLevel.Error, Message = "Cannot write the lease journal {Path}: {Error}. New bindings get no DHCPACK until it can be written (they are released again); renewals of existing leases are still answered. Free space on its file system or make it writable. {Failures} failed journal writes so far.")]
    public static partial void CommitFailed(ILogger logger, string path, string error, long failures);

    [LoggerMessage(EventId = 501, Level = LogLevel.Information, Message = "The lease journal {Path} is writable again after {Failures} failed writes; {Refused} new bindings were refused meanwhile")]
    public static partial void CommitRecovered(ILogger logger, string path, long failures, long refused);

    [LoggerMessage(EventId = 502, Level = LogLevel.Error, Message = "Cannot compact the leases into {Target}: {Error}. Every change is still journaled in {Journal}, which grows until this succeeds; free space on its file system or make it writable. {Failures} failed compactions so far.")]
    public static partial void CompactionFailed(ILogger logger, string target, string error, string journal, long failures);

    [LoggerMessage(EventId = 503, Level = LogLevel.Information, Message = "Leases compacted into {Target} again after {Failures} failed attempts")]
    public static partial void CompactionRecovered(ILogger logger, string target, long failures);

    [LoggerMessage(EventId = 504, Level = LogLevel.Information, Message = "Leases recovered: {Snapshot} from {Target}, {Rotated} + {Records} journal records replayed from {Journal} ({Torn} bytes of a torn last record ignored), {Leases} unexpired leases")]
    public static partial void Recovered(ILogger logger, int snapshot, string target, int rotated, int records, string journal, int torn, int leases);

    [LoggerMessage(EventId = 505, Level = LogLevel.Warning, Message = "{Path}:{Line}: not a lease journal record; {Count} such line(s) skipped")]
    public static partial void BadRecords(ILogger logger, string path, int line, int count);

    [LoggerMessage(EventId = 506, Level = LogLevel.Warning, Message = "{Warning}")]
    public static partial void SnapshotWarning(ILogger logger, string warning);
}

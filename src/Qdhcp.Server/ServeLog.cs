using Microsoft.Extensions.Logging;

namespace Qdhcp.Server;

internal static partial class ServeLog
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Serving DHCP: {Hosts} hosts, {Ranges} ranges, {Options} options, {Leases} leases on record")]
    public static partial void Started(ILogger logger, int hosts, int ranges, int options, int leases);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "{Warning}")]
    public static partial void ConfigurationWarning(ILogger logger, string warning);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "SIGHUP: reloaded {Hosts} hosts, {Options} options in {Milliseconds:F1} ms")]
    public static partial void Reloaded(ILogger logger, int hosts, int options, double milliseconds);

    [LoggerMessage(EventId = 203, Level = LogLevel.Error, Message = "SIGHUP: configuration not reloaded, still serving the previous one: {Error}")]
    public static partial void ReloadFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 205, Level = LogLevel.Information, Message = "Stopping")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(EventId = 206, Level = LogLevel.Information, Message = "Serving DNS on port {Port}: {Names} names, {Reverse} reverse entries, {Upstreams} upstreams (strict order: {StrictOrder}, local service only: {LocalService})")]
    public static partial void DnsStarted(ILogger logger, int port, int names, int reverse, int upstreams, bool strictOrder, bool localService);

    [LoggerMessage(EventId = 207, Level = LogLevel.Information, Message = "SIGHUP: DNS now answers {Names} names, {Reverse} reverse entries")]
    public static partial void DnsZone(ILogger logger, int names, int reverse);

    [LoggerMessage(EventId = 208, Level = LogLevel.Information, Message = "Start-up work: configuration read in {LoadMilliseconds:F0} ms, lease file read and snapshot compiled in {CompileMilliseconds:F0} ms, DNS zone built in {DnsMilliseconds:F0} ms; {AllocatedMegabytes:F0} MB allocated")]
    public static partial void StartupWork(ILogger logger, double loadMilliseconds, double compileMilliseconds, double dnsMilliseconds, double allocatedMegabytes);

    [LoggerMessage(EventId = 209, Level = LogLevel.Information, Message = "SIGHUP: reload work: {CpuMilliseconds:F0} ms of CPU on the reload thread, {AllocatedMegabytes:F0} MB allocated; garbage collection paused every thread for {GcPauseMilliseconds:F1} ms in {Collections} collections; heap now {HeapMegabytes:F0} MB")]
    public static partial void ReloadWork(ILogger logger, double cpuMilliseconds, double allocatedMegabytes, double gcPauseMilliseconds, int collections, double heapMegabytes);

    [LoggerMessage(EventId = 210, Level = LogLevel.Information, Message = "Statistics (SIGUSR1): received {Received}; sent {Sent}; not answered: {Dropped}; {Leases}; lease journal: {Journal}; memory: {Memory}")]
    public static partial void Statistics(ILogger logger, string received, string sent, string dropped, string leases, string journal, string memory);
}

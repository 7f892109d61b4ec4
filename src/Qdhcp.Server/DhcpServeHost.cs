using System.Diagnostics;
using System.Runtime;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Qdhcp.Engine.Dhcp4;
using Qdhcp.Engine.Leases;
using Qdhcp.Engine.Model;
using Qdhcp.Dns;
using Qdhcp.Leases;
using Qdhcp.Transport.Dhcp4;
using Qdhcp.Transport.Dns;
using Qdhcp.Transport.Interop;

namespace Qdhcp.Server;

/// <summary>
/// Runs one network's DHCP server until SIGTERM/SIGINT: loads the configuration, serves it on the chosen
/// interfaces, re-reads it on SIGHUP without dropping a lease, writes the pid file once serving, journals every
/// lease change before its ACK and compacts the journal into the lease file in the background. Unless DNS is off, also answers DNS for the network's names on the same interfaces'
/// addresses; its zone is rebuilt from the same load on SIGHUP.
/// </summary>
public sealed class DhcpServeHost
{
    private readonly IDhcp4ConfigurationSource _source;
    private readonly ServeSettings _settings;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _reloadGate = new();
    private Dhcp4Engine? _engine;
    private DnsResponder? _dns;

    public DhcpServeHost(IDhcp4ConfigurationSource source, ServeSettings settings, ILoggerFactory loggerFactory, TimeProvider? time = null)
    {
        _source = source;
        _settings = settings;
        _logger = loggerFactory.CreateLogger("qdhcp.serve");
        _loggerFactory = loggerFactory;
        _time = time ?? TimeProvider.System;
    }

    private readonly ILoggerFactory _loggerFactory;

    /// <summary>
    /// Serves until <paramref name="cancellationToken"/> or a termination signal. <paramref name="ready"/> is called
    /// once sockets are bound and the pid file is written (the daemon parent exits then). Returns the exit code.
    /// </summary>
    public async Task<int> RunAsync(Action? ready, CancellationToken cancellationToken)
    {
        // Loaded in a method of its own: locals of this async method live as long as the server, and the load's
        // parse results (every addn-hosts line) must not.
        DnsZone? zone = LoadAtStart(out Dhcp4LeaseTable? leases);
        if (leases is null)
        {
            return 1;
        }

        // The lease file plus its journal replayed: every lease ACKed before a crash is back.
        using LeaseJournal? journal = _settings.Leases is { } storage
            ? new LeaseJournal(storage.JournalPath, storage.Snapshot, LeaseCompactionPolicy.LeaseFile, _loggerFactory.CreateLogger("qdhcp.leases"), _time)
            : null;
        try
        {
            journal?.Open(leases);
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"qdhcp: {e.Message}");
            return 1;
        }

        using CancellationTokenSource stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // Disposed after the sockets (declared before them): its last commit and compaction see every change.
        using LeaseCompactor? compactor = journal is null ? null : new LeaseCompactor();
        if (journal is not null)
        {
            compactor!.Add(journal);
        }

        await using DnsSocketServer? dns = StartDns(zone);
        zone = null; // the responder holds it; a reload replaces it there
        await using Dhcp4SocketServer sockets = new(_engine!, _settings.Interfaces, _time, _loggerFactory.CreateLogger("qdhcp.dhcp"), journal)
        {
            LogEachRequest = _settings.LogEachRequest,
            ReceiveBufferBytes = _settings.ReceiveBufferBytes ?? ReceiveBuffer.DefaultBytes,
        };

        // Signals are handled before the sockets are bound: whoever sees the server listening may send SIGHUP (the
        // agent after rewriting a file), and an unhandled SIGHUP would kill the process.
        using PosixSignalRegistration hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            new Thread(Reload) { IsBackground = true, Name = "qdhcp-reload" }.Start();
        });
        // SIGUSR1: statistics to the log, as dnsmasq (Linux's number: PosixSignal names only the portable signals).
        using PosixSignalRegistration statistics = PosixSignalRegistration.Create((PosixSignal)SigUsr1, context =>
        {
            context.Cancel = true;
            ThreadPool.QueueUserWorkItem(_ => ServeStatistics.Log(_logger, _engine!, journal));
        });
        using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });

        sockets.Refresh();

        if (_settings.PidFile is { Length: > 0 } pidFile)
        {
            await File.WriteAllTextAsync(pidFile, $"{Environment.ProcessId}\n", CancellationToken.None).ConfigureAwait(false);
        }

        Dhcp4Configuration configuration = _engine!.Snapshot.Configuration;
        ServeLog.Started(_logger, configuration.Reservations.Count, configuration.Ranges.Count, configuration.Options.Count, leases.Count);
        configuration = null!; // not kept past a reload

        // Loading 65,535 hosts leaves ~100 MB of parse garbage, and the warm packet path allocates nothing, so no
        // GC would ever run to give it back: collect and return it to the OS once, before the first request.
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        ready?.Invoke();

        Task interfaceLoop = sockets.RunAsync(stop.Token);
        Task dnsLoop = dns?.RunAsync(stop.Token) ?? Task.CompletedTask;
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        ServeLog.Stopping(_logger);
        await interfaceLoop.ConfigureAwait(false);
        await dnsLoop.ConfigureAwait(false);
        return 0;
    }

    /// <summary>
    /// Reads and compiles the configuration at start, sets up the engine and its (empty) lease table (null: the
    /// configuration is unusable, errors written), and returns the DNS zone when DNS is on.
    /// </summary>
    private DnsZone? LoadAtStart(out Dhcp4LeaseTable? leases)
    {
        leases = null;
        long started = Stopwatch.GetTimestamp();
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        ConfigurationLoad load = _source.Load();
        TimeSpan loaded = Stopwatch.GetElapsedTime(started);
        foreach (string warning in load.Warnings)
        {
            ServeLog.ConfigurationWarning(_logger, warning);
        }

        if (load.Configuration is null || load.Errors.Count > 0)
        {
            foreach (string error in load.Errors)
            {
                Console.Error.WriteLine($"qdhcp: {error}");
            }

            return null;
        }

        // Empty here: the lease journal loads it (the lease file, then the journal replayed).
        leases = new Dhcp4LeaseTable();

        _engine = new Dhcp4Engine(Dhcp4NetworkSnapshot.Compile(load.Configuration), leases);
        TimeSpan compiled = Stopwatch.GetElapsedTime(started);
        DnsZone? zone = _settings.Dns is null ? null : DnsZones.Build(load.Configuration, load.AddnHosts, Serial());
        TimeSpan built = Stopwatch.GetElapsedTime(started);
        ServeLog.StartupWork(_logger, loaded.TotalMilliseconds, (compiled - loaded).TotalMilliseconds, (built - compiled).TotalMilliseconds,
            (GC.GetAllocatedBytesForCurrentThread() - allocated) / 1e6);
        return zone;
    }

    /// <summary>
    /// SIGHUP, on a thread of its own: re-reads the configuration and swaps it in. Leases stay; a bad reload keeps
    /// the old configuration.
    /// </summary>
    /// <remarks>
    /// The packet threads keep answering from the old snapshot meanwhile, and on a busy machine they must keep the
    /// CPU: this thread runs at a lower priority (nice +10), and its allocations (~150 MB for 65,535 hosts) go into
    /// a no-GC region sized for them, because each collection they would otherwise trigger (about ten) stops every
    /// managed thread, the packet threads included, and would run at this thread's low priority. One compacting
    /// collection at the end, back at normal priority, returns the old snapshot and the garbage to the OS.
    /// </remarks>
    private void Reload()
    {
        lock (_reloadGate)
        {
            // What the reload costs the packet threads: its CPU (they share the cores) and the GC's pauses (they stop).
            TimeSpan pausedBefore = GC.GetTotalPauseDuration();
            int collectionsBefore = GC.CollectionCount(0);
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            TimeSpan cpuBefore = ThreadCpuTime();
            bool noGcRegion = TryStartNoGcRegion(ReloadAllocationEstimate());
            SetThreadNice(10);
            try
            {
                ReloadNow();
            }
            finally
            {
                SetThreadNice(0);
                if (noGcRegion && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
                {
                    GC.EndNoGCRegion();
                }

                GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            }

            ServeLog.ReloadWork(_logger, (ThreadCpuTime() - cpuBefore).TotalMilliseconds, (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / 1e6,
                (GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds, GC.CollectionCount(0) - collectionsBefore, GC.GetTotalMemory(forceFullCollection: false) / 1e6);
        }
    }

    /// <summary>The calling thread's CPU time (user + system), from CLOCK_THREAD_CPUTIME_ID.</summary>
    private static TimeSpan ThreadCpuTime() =>
        OperatingSystem.IsLinux() && Libc.clock_gettime(Libc.ClockThreadCpuTime, out Libc.Timespec t) == 0
            ? TimeSpan.FromTicks(t.Seconds * TimeSpan.TicksPerSecond + t.Nanoseconds / 100)
            : TimeSpan.Zero;

    private const int SigUsr1 = 10;

    private void ReloadNow()
    {
        long started = Stopwatch.GetTimestamp();
        ConfigurationLoad load = _source.Load();
        foreach (string warning in load.Warnings)
        {
            ServeLog.ConfigurationWarning(_logger, warning);
        }

        if (load.Configuration is not { } configuration || load.Errors.Count > 0)
        {
            ServeLog.ReloadFailed(_logger, string.Join("; ", load.Errors));
            return;
        }

        _engine!.Reload(Dhcp4NetworkSnapshot.Compile(configuration));
        if (_dns is not null)
        {
            _dns.Zone = DnsZones.Build(configuration, load.AddnHosts, Serial());
            ServeLog.DnsZone(_logger, _dns.Zone.NameCount, _dns.Zone.ReverseCount);
        }

        ServeLog.Reloaded(_logger, configuration.Reservations.Count, configuration.Options.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>
    /// What a reload allocates, for the no-GC region: ~2.1 KB per host with Neutron's three files (the files' text,
    /// the addn-hosts lines, the tables being built; measured with 65,535 hosts), from the hosts served now, with a
    /// margin; at least 32 MB. A reload that allocates more simply ends the region with an ordinary collection.
    /// </summary>
    private long ReloadAllocationEstimate() => Math.Max(32L << 20, (_engine?.Snapshot.Hosts.Count ?? 0) * 2560L);

    private static bool TryStartNoGcRegion(long bytes)
    {
        try
        {
            return GCSettings.LatencyMode != GCLatencyMode.NoGCRegion && GC.TryStartNoGCRegion(bytes);
        }
        catch (ArgumentOutOfRangeException)
        {
            return false; // more than this GC can set aside: reload with ordinary collections
        }
    }

    /// <summary>
    /// Sets the calling thread's nice value (Linux: setpriority on a thread id affects that thread only). Best
    /// effort: going back to 0 needs CAP_SYS_NICE, which a server started by root has.
    /// </summary>
    private static void SetThreadNice(int nice)
    {
        if (OperatingSystem.IsLinux())
        {
            _ = Libc.setpriority(Libc.PrioProcess, Libc.gettid(), nice);
        }
    }

    /// <summary>The DNS responder and its listeners, or null when DNS is off (<c>--port=0</c>).</summary>
    private DnsSocketServer? StartDns(DnsZone? zone)
    {
        if (_settings.Dns is not { } settings || zone is null)
        {
            return null;
        }

        _dns = new DnsResponder(
            zone,
            new DnsResponderOptions(LocalServiceOnly: settings.LocalService, CanForward: settings.Upstreams.Count > 0));
        DnsForwarder? forwarder = settings.Upstreams.Count > 0 ? new DnsForwarder(settings.Upstreams, settings.StrictOrder) : null;
        DnsSocketServer server = new(_dns, forwarder, _settings.Interfaces, settings.Port, _time, _loggerFactory.CreateLogger("qdhcp.dns"), settings.LogQueries);
        server.Refresh();
        ServeLog.DnsStarted(_logger, settings.Port, _dns.Zone.NameCount, _dns.Zone.ReverseCount, settings.Upstreams.Count, settings.StrictOrder, settings.LocalService);
        return server;
    }

    private uint Serial() => DnsZoneBuilder.Serial(_time);
}

using System.Net;
using Microsoft.Extensions.Logging;
using Qdhcp.Configuration;
using Qdhcp.Configuration.Dnsmasq;
using Qdhcp.Leases;
using Qdhcp.Server;
using Qdhcp.Transport.Dhcp4;
using Qdhcp.Transport.Dns;
using Qdhcp.Transport.Privileges;

namespace Qdhcp.Cli.Serve;

/// <summary>
/// <c>qdhcp serve [dnsmasq options]</c>: one network's DHCP server, started exactly as Neutron starts dnsmasq.
/// Without <c>-k</c>/<c>-d</c> it detaches like dnsmasq: the command returns once the server serves and the pid
/// file is written.
/// </summary>
internal static class ServeCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        IReadOnlyList<string> dnsmasqArgs = args[1..];
        DnsmasqCommandLineResult parsed = DnsmasqCommandLine.Parse(dnsmasqArgs);
        if (!parsed.Success)
        {
            foreach (ConfigDiagnostic error in parsed.Errors)
            {
                Console.Error.WriteLine($"qdhcp serve: {error.Message}");
            }

            return 2;
        }

        DnsmasqOptions options = parsed.Options;
        if (options.ShowVersion)
        {
            // Neutron's sanity check reads dnsmasq's version with `version (\d+\.\d+)`: we answer as the dnsmasq we replace.
            Console.WriteLine($"qdhcp serve {typeof(ServeCommand).Assembly.GetName().Version?.ToString(3)}, dnsmasq version 2.90 compatible");
            return 0;
        }

        if (options.TestOnly)
        {
            DnsmasqLoadResult test = DnsmasqConfigurationLoader.Load(options);
            foreach (ConfigDiagnostic diagnostic in test.Diagnostics.Where(d => d.Severity != ConfigSeverity.Info))
            {
                Console.Error.WriteLine($"qdhcp serve: {diagnostic}");
            }

            Console.WriteLine(test.Success ? "dnsmasq: syntax check OK." : "dnsmasq: syntax check failed.");
            return test.Success ? 0 : 1;
        }

        // Before detaching, so whoever starts us reads why; exit 2 as dnsmasq does for "privileged ports without permission".
        if (PrivilegeProbe.Check("qdhcp serve", PrivilegeRequirements.ForServe(PrivilegeProbe.UnprivilegedPortStart(), options.DnsEnabled ? options.Port : null), "qdhcp-serve@.service") is { } missing)
        {
            Console.Error.WriteLine(missing);
            return 2;
        }

        bool foreground = options.KeepInForeground || options.NoDaemon;
        if (!foreground && !Daemon.IsChild)
        {
            // Check the configuration before detaching, so a bad file is reported to whoever started us.
            DnsmasqLoadResult check = DnsmasqConfigurationLoader.Load(options);
            if (!check.Success)
            {
                foreach (ConfigDiagnostic error in check.Errors)
                {
                    Console.Error.WriteLine($"qdhcp serve: {error}");
                }

                return 1;
            }

            return Daemon.StartChild(args, TimeSpan.FromSeconds(30));
        }

        if (Daemon.IsChild)
        {
            Daemon.DetachFromSession();
        }

        // One server per pid file: Neutron's process monitor can start a second one for a network while the first
        // is still starting (before its pid file exists). The second finds the lock held and leaves.
        using FileStream? instanceLock = Daemon.TryLockInstance(options.PidFile, out string? lockError);
        if (lockError is not null)
        {
            Console.Error.WriteLine($"qdhcp serve: {lockError}");
            return 1;
        }

        using ILoggerFactory loggerFactory = ConsoleLogging.Create(logging =>
        {
            logging.SetMinimumLevel(options.QuietDhcp ? LogLevel.Warning : LogLevel.Information);
            if (options.LogQueries)
            {
                logging.AddFilter("qdhcp.dns", LogLevel.Information);
            }
        });

        ILogger logger = loggerFactory.CreateLogger("qdhcp.serve");
        foreach (ConfigDiagnostic diagnostic in parsed.Diagnostics.Where(d => d.Severity == ConfigSeverity.Warning))
        {
            logger.LogWarning("{Diagnostic}", diagnostic.ToString());
        }

        InterfaceFilter interfaces = new(options.Interfaces, options.ExceptInterfaces);
        ServeLeaseStorage? leases = options.DhcpLeaseFile is { Length: > 0 } leaseFile && !options.LeaseFileReadOnly
            ? new ServeLeaseStorage(new DnsmasqLeasePersistence(leaseFile), LeaseJournal.PathFor(leaseFile))
            : null;
        DhcpServeHost host = new(
            new DnsmasqConfigurationSource(new DnsmasqConfigurationLoader(options)),
            new ServeSettings(interfaces, options.PidFile, leases, options.LogDhcp, DnsSettings(options, logger), options.ReceiveBufferBytes),
            loggerFactory);
        string? logFile = options.LogFacility is { Length: > 0 } facility && facility != "-" && facility.StartsWith('/') ? facility : null;
        Action? ready = Daemon.IsChild ? () => Daemon.SignalReadyAndReleaseStdio(logFile) : null;
        return await host.RunAsync(ready, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>dnsmasq's DNS options; null when <c>--port=0</c> turns DNS off. <c>--server</c> forms we cannot honour are logged and skipped.</summary>
    private static DnsServeSettings? DnsSettings(DnsmasqOptions options, ILogger logger)
    {
        if (!options.DnsEnabled)
        {
            return null;
        }

        List<IPEndPoint> upstreams = [];
        foreach (string server in options.Servers)
        {
            if (DnsUpstream.TryParse(server, out IPEndPoint? upstream, out string? error))
            {
                upstreams.Add(upstream!);
            }
            else
            {
                logger.LogWarning("{Warning}", error);
            }
        }

        return new DnsServeSettings(options.Port, options.LocalService, upstreams, options.StrictOrder, options.LogQueries);
    }
}

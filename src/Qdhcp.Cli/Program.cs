using System.CommandLine;
using System.Runtime.Versioning;
using Qdhcp.Cli.Agent;
using Qdhcp.Cli.Client;
using Qdhcp.Cli.Demo;
using Qdhcp.Cli.Serve;

[assembly: SupportedOSPlatform("linux")]

namespace Qdhcp.Cli;

/// <summary>The <c>qdhcp</c> command.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // `serve` takes dnsmasq's command line verbatim (dnsmasq's -h means --no-hosts, `--opt=` may be empty), so
        // it bypasses the general parser; only `serve --help` is help.
        if (args.Length > 0 && args[0] == "serve" && !(args.Length == 2 && args[1] == "--help"))
        {
            return await ServeCommand.RunAsync(args).ConfigureAwait(false);
        }

        RootCommand root = new("Qdhcp: DHCP (and the DNS that goes with it) for virtual networks. A drop-in for dnsmasq under OpenStack Neutron.");
        Command serve = new("serve", "Serve DHCP for one network. Takes dnsmasq's options by their dnsmasq names, e.g. the command line Neutron's DHCP agent builds: qdhcp serve --no-hosts --dhcp-hostsfile=DIR/host --dhcp-optsfile=DIR/opts --dhcp-range=set:tag0,10.10.10.0,static,120s ... See README \"dnsmasq options\".");
        root.Subcommands.Add(serve);
        root.Subcommands.Add(SeedDemo.CreateCommand());
        root.Subcommands.Add(AgentCommand.Create());
        foreach (Command client in ClientCommands.Create())
        {
            root.Subcommands.Add(client);
        }

        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }
}

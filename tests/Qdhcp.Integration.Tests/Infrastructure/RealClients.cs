using System.Diagnostics;
using System.Globalization;

namespace Qdhcp.Integration.Tests.Infrastructure;

/// <summary>What a real client reported to its script when it bound, normalised across clients.</summary>
public sealed record ClientLease(
    string Client,
    string Reason,
    string? Address,
    string? SubnetMask,
    string? Routers,
    string? DnsServers,
    string? DomainName,
    string? HostName,
    string? Mtu,
    string? ClasslessRoutes,
    string? LeaseTime,
    string? ServerId,
    IReadOnlyDictionary<string, string> Environment);

/// <summary>One run of a real client: the lease it bound (if any) and everything it printed.</summary>
public sealed record ClientRun(string Client, ClientLease? Lease, string Log, string EnvironmentDump)
{
    public ClientLease AssertBound()
    {
        if (Lease is null)
        {
            Assert.Fail($"{Client} did not bind a lease.\nclient log:\n{Log}\nscript calls:\n{EnvironmentDump}");
        }

        return Lease!;
    }

    public override string ToString() => $"{Client}: {(Lease is null ? "no lease" : Lease.Address)}";
}

/// <summary>
/// Runs ISC dhclient, busybox udhcpc and dhcpcd once in a VM namespace, each with the harness's own script, so
/// nothing outside the namespace changes: the script records the variables the client passes and configures
/// the address, the MTU and the routes (classless routes first, else the router) with <c>ip</c>, as the distros'
/// scripts would; dhcpcd configures address and routes itself. Every client also runs in private mount and UTS
/// namespaces with tmpfs over /run and its state directories and a private /etc/resolv.conf, and gets per-run
/// lease and pid files in the lab's directory.
/// </summary>
public static class RealClients
{
    private static int s_runs;

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    /// <summary>ISC dhclient 4.4 in the foreground (<c>-d -1</c>); stopped by PID once its script saw BOUND.</summary>
    public static async Task<ClientRun> RunDhclientAsync(Vm vm, TimeSpan? timeout = null)
    {
        string dhclient = LabRequirements.RequireTool("dhclient", "isc-dhcp-client");
        RunFiles files = Prepare(vm, "dhclient");
        File.WriteAllText(files.Config,
            """
            option rfc3442-classless-static-routes code 121 = array of unsigned integer 8;
            request subnet-mask, broadcast-address, time-offset, routers, domain-name, domain-name-servers,
                domain-search, host-name, interface-mtu, rfc3442-classless-static-routes, ntp-servers;
            timeout 15;
            retry 1;
            initial-interval 1;
            """);
        return await RunAsync(vm, files, "dhclient", timeout ?? DefaultTimeout, stopWhenBound: true,
            [dhclient, "-d", "-1", "-v", "-sf", files.Script, "-lf", files.Prefix + ".leases", "-pf", files.Prefix + ".pid", "-cf", files.Config, vm.Interface]);
    }

    /// <summary>busybox udhcpc in the foreground, quitting once bound (<c>-f -q -n</c>).</summary>
    public static async Task<ClientRun> RunUdhcpcAsync(Vm vm, TimeSpan? timeout = null)
    {
        string udhcpc = LabRequirements.RequireTool("udhcpc", "udhcpc");
        RunFiles files = Prepare(vm, "udhcpc");
        return await RunAsync(vm, files, "udhcpc", timeout ?? DefaultTimeout, stopWhenBound: false,
            [udhcpc, "-f", "-q", "-n", "-i", vm.Interface, "-s", files.Script, "-t", "4", "-T", "2",
             "-O", "mtu", "-O", "staticroutes", "-O", "msstaticroutes", "-O", "hostname", "-O", "domain"]);
    }

    /// <summary>
    /// dhcpcd 9 one-shot (<c>-B -1 -4</c>) with its own config file and <c>-c</c> script (so none of the distro's
    /// hooks run); its privilege-separated helpers stay inside the VM namespace and exit with it.
    /// </summary>
    public static async Task<ClientRun> RunDhcpcdAsync(Vm vm, TimeSpan? timeout = null)
    {
        string dhcpcd = LabRequirements.RequireTool("dhcpcd", "dhcpcd-base");
        RunFiles files = Prepare(vm, "dhcpcd");
        File.WriteAllText(files.Config,
            """
            option domain_name_servers, domain_name, domain_search, host_name
            option classless_static_routes
            option interface_mtu
            require dhcp_server_identifier
            noipv4ll
            noarp
            ipv4only
            nohook resolv.conf, hostname, timesyncd, wpa_supplicant, ntp.conf, ypbind
            """);
        return await RunAsync(vm, files, "dhcpcd", timeout ?? DefaultTimeout, stopWhenBound: false,
            [dhcpcd, "-f", files.Config, "-c", files.Script, "-B", "-1", "-4", "-d", "-t", "12", vm.Interface]);
    }

    private sealed record RunFiles(string Prefix, string Script, string Env, string Config, string Isolate);

    private static RunFiles Prepare(Vm vm, string client)
    {
        int run = Interlocked.Increment(ref s_runs);
        string prefix = Path.Combine(vm.Lab.StateDirectory, $"{client}-{vm.Namespace}-{run}");
        var files = new RunFiles(prefix, prefix + ".sh", prefix + ".env", prefix + ".conf", prefix + ".isolate.sh");
        File.WriteAllText(files.Env, string.Empty);
        File.WriteAllText(prefix + ".resolv.conf", "# private resolv.conf of a test client\n");
        File.WriteAllText(files.Script, ClientScript(client, files.Env));
        File.WriteAllText(files.Isolate,
            $"""
            #!/bin/sh
            # Runs a DHCP client with private /etc/resolv.conf, /run and lease directories (this is a private mount namespace).
            mount --bind '{prefix}.resolv.conf' /etc/resolv.conf || exit 97
            mount -t tmpfs -o mode=0755 tmpfs /run || exit 97
            for d in /var/lib/dhcpcd /var/lib/dhcp; do
              if [ -d "$d" ]; then mount -t tmpfs -o mode=0755 tmpfs "$d" || exit 97; fi
            done
            if [ -d /var/lib/dhcpcd ] && getent passwd dhcpcd >/dev/null; then chown dhcpcd /var/lib/dhcpcd; fi
            exec "$@"

            """);
        File.SetUnixFileMode(files.Script, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(files.Isolate, (UnixFileMode)0b111_101_101);
        return files;
    }

    private static async Task<ClientRun> RunAsync(Vm vm, RunFiles files, string client, TimeSpan timeout, bool stopWhenBound, string[] command)
    {
        var info = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in (IEnumerable<string>)["netns", "exec", vm.Namespace, "unshare", "--uts", "--mount", "--propagation", "private", "--", "/bin/sh", files.Isolate, .. command])
        {
            info.ArgumentList.Add(arg);
        }

        NetworkLab.Log($"{client}: ip {string.Join(' ', info.ArgumentList)}");
        var log = new Shell.OutputLog();
        using Process process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {client}");
        process.OutputDataReceived += (_, e) => log.Add(e.Data);
        process.ErrorDataReceived += (_, e) => log.Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();

        var clock = Stopwatch.StartNew();
        ClientLease? lease = null;
        while (clock.Elapsed < timeout)
        {
            lease = ParseLease(client, File.ReadAllText(files.Env));
            if (process.HasExited || (stopWhenBound && lease is not null))
            {
                break;
            }

            await Task.Delay(100);
        }

        if (!process.HasExited)
        {
            // dhclient -d keeps running to renew; the others only get here on timeout.
            Native.kill(process.Id, Native.SigTerm);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                Native.kill(process.Id, Native.SigKill);
                await process.WaitForExitAsync();
            }

            if (lease is null)
            {
                log.Add($"(harness: {client} stopped after {timeout.TotalSeconds} s without a lease)");
            }
        }
        else
        {
            await process.WaitForExitAsync();
            log.Add($"(harness: {client} exited with code {process.ExitCode})");
        }

        string dump = File.ReadAllText(files.Env);
        lease ??= ParseLease(client, dump);
        NetworkLab.Log($"{client} log:\n{log}\n{client} script calls:\n{dump}");
        return new ClientRun(client, lease, log.ToString(), dump);
    }

    /// <summary>The script every client runs. It records the variables, then configures the VM like the distros' scripts.</summary>
    private static string ClientScript(string client, string envFile) =>
        $$"""
        #!/bin/sh
        # Test-harness client script ({{client}}): record what the client got, then configure the VM namespace.
        # The record is appended only after the configuration below is done, ending with "### done", so the harness
        # never reads half a record nor inspects the namespace while the script is still configuring it.
        REASON="${reason:-$1}"
        RECORD=$(env | grep -E '^(reason|interface|new_[a-z0-9_]+|ip|subnet|mask|broadcast|router|dns|domain|hostname|mtu|staticroutes|msstaticroutes|lease|serverid|siaddr|opt[0-9]+)=' | sort)

        prefix_of() {
          n=0
          for o in $(echo "$1" | tr . ' '); do
            case $o in
              255) n=$((n+8));; 254) n=$((n+7));; 252) n=$((n+6));; 248) n=$((n+5));;
              240) n=$((n+4));; 224) n=$((n+3));; 192) n=$((n+2));; 128) n=$((n+1));;
            esac
          done
          echo $n
        }

        add_route() {
          if [ "$2" = 0.0.0.0 ]; then ip route replace "$1" dev "$interface"; else ip route replace "$1" via "$2" dev "$interface"; fi
        }

        case "{{client}}" in
        dhclient)
          case "$REASON" in
          BOUND|RENEW|REBIND|REBOOT)
            ip -4 addr flush dev "$interface"
            ip addr add "$new_ip_address/$(prefix_of "$new_subnet_mask")" broadcast "$new_broadcast_address" dev "$interface"
            if [ -n "$new_interface_mtu" ]; then ip link set dev "$interface" mtu "$new_interface_mtu"; fi
            if [ -n "$new_rfc3442_classless_static_routes" ]; then
              set -- $new_rfc3442_classless_static_routes
              while [ $# -ge 5 ]; do
                len=$1; shift; octets=$(( (len + 7) / 8 )); dest=""
                for j in 1 2 3 4; do
                  if [ $j -le $octets ]; then dest="$dest${dest:+.}$1"; shift; else dest="$dest${dest:+.}0"; fi
                done
                add_route "$dest/$len" "$1.$2.$3.$4"; shift 4
              done
            else
              for r in $new_routers; do ip route replace default via "$r" dev "$interface"; break; done
            fi;;
          esac;;
        udhcpc)
          case "$1" in
          deconfig) ip -4 addr flush dev "$interface";;
          bound|renew)
            ip -4 addr flush dev "$interface"
            ip addr add "$ip/${mask:-$(prefix_of "$subnet")}" ${broadcast:+broadcast $broadcast} dev "$interface"
            if [ -n "$mtu" ]; then ip link set dev "$interface" mtu "$mtu"; fi
            routes="${staticroutes:-$msstaticroutes}"
            if [ -n "$routes" ]; then
              set -- $routes
              while [ $# -ge 2 ]; do add_route "$1" "$2"; shift 2; done
            else
              for r in $router; do ip route replace default via "$r" dev "$interface"; break; done
            fi;;
          esac;;
        dhcpcd)
          : # dhcpcd adds the address and routes itself (MTU as a route attribute); nothing to do.
          ;;
        esac
        printf '### %s\n%s\n### done\n' "$REASON" "$RECORD" >> '{{envFile}}'
        exit 0

        """;

    /// <summary>The last complete "bound"-like record the script appended, as a lease.</summary>
    internal static ClientLease? ParseLease(string client, string dump)
    {
        string[] bound = ["BOUND", "bound", "REBOOT", "RENEW", "renew", "REBIND"];
        ClientLease? lease = null;
        string? reason = null;
        Dictionary<string, string> env = [];
        foreach (string line in dump.Split('\n'))
        {
            if (line == "### done")
            {
                if (reason is not null && bound.Contains(reason))
                {
                    lease = ToLease(client, reason, env);
                }

                reason = null;
            }
            else if (line.StartsWith("### ", StringComparison.Ordinal))
            {
                reason = line[4..].Trim();
                env = [];
            }
            else if (line.IndexOf('=') is > 0 and int eq)
            {
                env[line[..eq]] = line[(eq + 1)..];
            }
        }

        return lease;
    }

    private static ClientLease ToLease(string client, string reason, Dictionary<string, string> env)
    {
        string? Get(string key) => env.TryGetValue(key, out string? value) ? value : null;
        return client == "udhcpc"
            ? new ClientLease(client, reason, Get("ip"), Get("subnet"), Get("router"), Get("dns"), Get("domain"), Get("hostname"), Get("mtu"),
                Get("staticroutes"), Get("lease"), Get("serverid"), env)
            : new ClientLease(client, reason, Get("new_ip_address"), Get("new_subnet_mask"), Get("new_routers"), Get("new_domain_name_servers"),
                Get("new_domain_name"), Get("new_host_name"), Get("new_interface_mtu"),
                Get("new_classless_static_routes") ?? Rfc3442ToText(Get("new_rfc3442_classless_static_routes")),
                Get("new_dhcp_lease_time"), Get("new_dhcp_server_identifier"), env);
    }

    /// <summary>dhclient's "32 169 254 169 254 10 10 10 3 0 10 10 10 1" as "169.254.169.254/32 10.10.10.3 0.0.0.0/0 10.10.10.1".</summary>
    internal static string? Rfc3442ToText(string? bytes)
    {
        if (string.IsNullOrWhiteSpace(bytes))
        {
            return null;
        }

        int[] b = bytes.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        List<string> parts = [];
        int i = 0;
        while (i < b.Length)
        {
            int length = b[i++];
            int octets = (length + 7) / 8;
            int[] dest = new int[4];
            for (int j = 0; j < octets && i < b.Length; j++)
            {
                dest[j] = b[i++];
            }

            if (i + 4 > b.Length)
            {
                break;
            }

            parts.Add($"{string.Join('.', dest)}/{length}");
            parts.Add($"{b[i]}.{b[i + 1]}.{b[i + 2]}.{b[i + 3]}");
            i += 4;
        }

        return string.Join(' ', parts);
    }
}

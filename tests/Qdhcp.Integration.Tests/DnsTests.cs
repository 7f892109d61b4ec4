using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Qdhcp.Integration.Tests.Infrastructure;
using Qdhcp.Wire.Dns;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Integration.Tests;

/// <summary>
/// The DNS responder of <c>qdhcp serve</c> with real resolvers: dig (dnsutils) and the VM's own glibc resolver
/// (<c>getent hosts</c> with a resolv.conf made from what DHCP's option 6 and 15 said), in the lab's namespaces.
/// Upstreams are dnsmasq processes in namespaces of the lab; nothing leaves the lab's namespaces.
/// </summary>
[Trait("Category", "Namespace")]
public sealed partial class DnsTests
{
    private const string Server = "10.10.10.3";

    private static readonly string[] AddnHosts =
    [
        "10.10.10.2\thost-10-10-10-2.openstacklocal host-10-10-10-2",
        "10.10.10.5\thost-10-10-10-5.openstacklocal host-10-10-10-5",
        "10.10.10.6\thost-10-10-10-6.openstacklocal host-10-10-10-6",
        "fd00::6\thost-10-10-10-6.openstacklocal host-10-10-10-6",
    ];

    [Fact]
    public async Task Dig_ResolvesHostsForwardAndReverse_UnknownLocalNameIsNxDomain()
    {
        SkipUnderDnsmasqUnlessComparable();
        await using NetworkLab lab = NetworkLab.Create();
        ServerProcess server = await StartAsync(lab);
        Vm vm = lab.AddVm(Seeds.Mac2, "10.10.10.2/24");

        Assert.Equal(["10.10.10.2"], Dig(vm, "host-10-10-10-2.openstacklocal").Answers);
        Assert.Equal(["10.10.10.5"], Dig(vm, "HOST-10-10-10-5").Answers); // bare and any case
        Assert.Equal(["fd00::6"], Dig(vm, "host-10-10-10-6.openstacklocal", "AAAA").Answers);
        Assert.Equal(["host-10-10-10-5.openstacklocal."], Dig(vm, "-x", "10.10.10.5").Answers);
        Assert.Equal(["10.10.10.6"], Dig(vm, "+tcp", "host-10-10-10-6.openstacklocal").Answers);

        DigResult unknown = Dig(vm, "nope.openstacklocal");
        Assert.Equal("NXDOMAIN", unknown.Status);
        Assert.Contains("aa", unknown.Flags);
        Assert.Matches(@"openstacklocal\.\s+0\s+IN\s+SOA", unknown.Output);
        Assert.Equal("NXDOMAIN", Dig(vm, "-x", "10.10.10.99").Status);
        // No upstream (--no-resolv, no --server): anything else is refused, never resolved.
        Assert.Equal("REFUSED", Dig(vm, "example.com").Status);
        server.AssertAlive();
    }

    [Fact]
    public async Task VmResolver_GetentHosts_WithResolvConfFromDhcp_ForwardAndReverse()
    {
        SkipUnderDnsmasqUnlessComparable();
        await using NetworkLab lab = NetworkLab.Create();
        await StartAsync(lab);
        Vm vm = lab.AddVm(Seeds.Mac2);
        ClientLease lease = (await RealClients.RunDhclientAsync(vm)).AssertBound();
        Assert.Equal(Server, lease.DnsServers);
        Assert.Equal("openstacklocal", lease.DomainName);

        string resolvConf = Path.Combine(lab.StateDirectory, "vm-resolv.conf");
        File.WriteAllText(resolvConf, $"nameserver {lease.DnsServers}\nsearch {lease.DomainName}\noptions timeout:2 attempts:2\n");
        Assert.Matches(@"^10\.10\.10\.5\s+host-10-10-10-5\.openstacklocal\s*$", Getent(vm, resolvConf, "host-10-10-10-5"));
        // glibc asks AAAA first: the IPv6 addn-hosts address comes through the VM's resolver too.
        Assert.Matches(@"^fd00::6\s+host-10-10-10-6\.openstacklocal", Getent(vm, resolvConf, "host-10-10-10-6.openstacklocal"));
        Assert.Matches(@"^10\.10\.10\.2\s+host-10-10-10-2\.openstacklocal", Getent(vm, resolvConf, "10.10.10.2"));
        Shell.Result missing = GetentResult(vm, resolvConf, "host-10-10-10-77");
        Assert.Equal(2, missing.ExitCode); // getent: key not found
        lab.AssertHostUnchanged();
    }

    [Fact]
    public async Task QueryFromOutsideTheSubnet_Refused()
    {
        ServerProcess.SkipUnderDnsmasq("dnsmasq's --local-service drops queries from other networks silently; qdhcp answers REFUSED");
        await using NetworkLab lab = NetworkLab.Create();
        await StartAsync(lab, "--server=10.10.10.53");
        Vm inside = lab.AddVm(Seeds.Mac2, "10.10.10.2/24");
        Vm outside = lab.AddVm(Seeds.Mac5, "192.0.2.10/24");
        // Routes both ways on the link, but 192.0.2.0/24 is no subnet of the server's interface.
        outside.Exec("ip", "route", "add", "10.10.10.0/24", "dev", "eth0");
        Shell.Ip("-n", lab.ServerNamespace, "route", "add", "192.0.2.0/24", "dev", lab.TapName);

        Assert.Equal("REFUSED", Dig(outside, "host-10-10-10-2.openstacklocal").Status);
        Assert.Equal("REFUSED", Dig(outside, "example.com").Status);
        Assert.Equal(["10.10.10.2"], Dig(inside, "host-10-10-10-2.openstacklocal").Answers); // control
    }

    [Fact]
    public async Task Forwarding_ToUpstreamInAnotherNamespace_StrictOrderSkipsDeadServer()
    {
        SkipUnderDnsmasqUnlessComparable();
        await using NetworkLab lab = NetworkLab.Create();
        Vm upstream = lab.AddVm(Seeds.Mac6, "10.10.10.53/24");
        await StartUpstreamAsync(lab, upstream, "upstream.example", "192.0.2.123");
        // 10.10.10.99 does not exist: --strict-order waits it out (2 s) and asks the next one.
        await StartAsync(lab, "--server=10.10.10.99", "--server=10.10.10.53");
        Vm vm = lab.AddVm(Seeds.Mac2, "10.10.10.2/24");

        var clock = Stopwatch.StartNew();
        DigResult forwarded = Dig(vm, "+time=6", "upstream.example");
        Assert.Equal(["192.0.2.123"], forwarded.Answers);
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(1.5), $"strict order should have waited for the dead server first ({clock.Elapsed})");
        Assert.Contains("ra", forwarded.Flags);
        Assert.Equal(["10.10.10.5"], Dig(vm, "host-10-10-10-5").Answers); // local names stay local
    }

    [Fact]
    public async Task Forwarding_WithoutStrictOrder_FirstAnswerWins()
    {
        SkipUnderDnsmasqUnlessComparable();
        await using NetworkLab lab = NetworkLab.Create();
        Vm upstream = lab.AddVm(Seeds.Mac6, "10.10.10.53/24");
        await StartUpstreamAsync(lab, upstream, "upstream.example", "192.0.2.124");
        await StartAsync(lab, ["--server=10.10.10.99", "--server=10.10.10.53"], strictOrder: false);
        Vm vm = lab.AddVm(Seeds.Mac2, "10.10.10.2/24");

        var clock = Stopwatch.StartNew();
        Assert.Equal(["192.0.2.124"], Dig(vm, "upstream.example").Answers);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), $"both upstreams are asked at once ({clock.Elapsed})");
    }

    [Fact]
    public async Task NameChange_AppliesOnSighup_DeletedPortDisappears()
    {
        SkipUnderDnsmasqUnlessComparable();
        await using NetworkLab lab = NetworkLab.Create();
        ServerProcess server = await StartAsync(lab);
        Vm vm = lab.AddVm(Seeds.Mac2, "10.10.10.2/24");
        Assert.Equal(["10.10.10.5"], Dig(vm, "host-10-10-10-5.openstacklocal").Answers);
        Assert.Equal("NXDOMAIN", Dig(vm, "host-10-10-10-9.openstacklocal").Status);
        int pid = server.Pid;

        // The agent deletes port .5 and adds port .9: host and addn_hosts rewritten, then SIGHUP.
        lab.WriteHosts(Seeds.Hosts[0], Seeds.Hosts[2], "fa:16:3e:ac:00:09,host-10-10-10-9.openstacklocal,10.10.10.9");
        WriteAtomically(AddnHostsPath(lab), [AddnHosts[0], AddnHosts[2], "10.10.10.9\thost-10-10-10-9.openstacklocal host-10-10-10-9"]);
        await server.ReloadAsync();

        Assert.Equal(["10.10.10.9"], Dig(vm, "host-10-10-10-9.openstacklocal").Answers);
        Assert.Equal(["host-10-10-10-9.openstacklocal."], Dig(vm, "-x", "10.10.10.9").Answers);
        Assert.Equal("NXDOMAIN", Dig(vm, "host-10-10-10-5.openstacklocal").Status);
        Assert.Equal("NXDOMAIN", Dig(vm, "host-10-10-10-5").Status);
        Assert.Equal("NXDOMAIN", Dig(vm, "-x", "10.10.10.5").Status);
        Assert.Equal(pid, server.Pid);
        server.AssertAlive();
    }

    [Fact]
    public async Task Truncated_OverUdp_DigRetriesOverTcp()
    {
        SkipUnderDnsmasqUnlessComparable();
        await using NetworkLab lab = NetworkLab.Create();
        // 60 addresses for one name: 60 * 16 bytes of answers do not fit 512 bytes.
        WriteAtomically(AddnHostsPath(lab), [.. AddnHosts, .. Enumerable.Range(100, 60).Select(i => $"10.10.10.{i}\tbig.openstacklocal")]);
        await StartAsync(lab, writeAddnHosts: false);
        Vm vm = lab.AddVm(Seeds.Mac2, "10.10.10.2/24");

        DigResult noEdns = Dig(vm, "+noedns", "big.openstacklocal");
        Assert.Contains("Truncated, retrying in TCP mode", noEdns.Output);
        Assert.Equal(60, noEdns.Answers.Count);
        Assert.Equal(60, Dig(vm, "+bufsize=1232", "big.openstacklocal").Answers.Count); // EDNS: fits in one datagram
    }

    [Fact]
    public async Task MalformedQueries_300_LeaveItAnswering()
    {
        SkipUnderDnsmasqUnlessComparable();
        await using NetworkLab lab = NetworkLab.Create();
        ServerProcess server = await StartAsync(lab);
        Vm vm = lab.AddVm(Seeds.Mac2, "10.10.10.2/24");
        using Socket socket = Netns.Run(vm.Namespace, () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.Connect(IPAddress.Parse(Server), 53);
            return s;
        });
        socket.ReceiveTimeout = 2000;

        var random = new Random(6);
        byte[] valid = Query("host-10-10-10-2.openstacklocal", 0x0102);
        List<byte[]> malformed = [];
        for (int i = 0; i < 100; i++)
        {
            malformed.Add(RandomBytes(random, random.Next(0, 80))); // noise, including shorter than a header
            byte[] cut = valid[..random.Next(0, valid.Length)]; // truncated
            malformed.Add(cut);
            byte[] mutated = (byte[])valid.Clone();
            mutated[random.Next(12, mutated.Length)] = (byte)random.Next(0x40, 0x100); // bad labels, pointers
            malformed.Add(mutated);
        }

        malformed.Add([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, (byte)'a', 0xC0, 12, 0, 1, 0, 1]); // pointer loop
        malformed.Add([0, 1, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]); // a response: never answered
        malformed.Add([0, 1, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]); // counts with nothing behind them
        foreach (byte[] payload in malformed)
        {
            socket.Send(payload);
        }

        await Task.Delay(300, TestContext.Current.CancellationToken);
        // Drain what came back (FORMERRs), then the valid query must still be answered.
        socket.ReceiveTimeout = 200;
        byte[] buffer = new byte[4096];
        int replies = 0;
        try
        {
            while (true)
            {
                socket.Receive(buffer);
                replies++;
            }
        }
        catch (SocketException)
        {
        }

        NetworkLab.Log($"{malformed.Count} malformed queries sent, {replies} replies");
        Assert.True(malformed.Count >= 200);
        socket.ReceiveTimeout = 2000;
        socket.Send(valid);
        int length = socket.Receive(buffer);
        Assert.Equal(DnsParseStatus.Ok, DnsReader.TryRead(buffer.AsSpan(0, length), out DnsReader reader));
        Assert.Equal(0x0102, reader.Id);
        Assert.Equal(1, reader.AnswerCount);
        Assert.Equal(["10.10.10.2"], Dig(vm, "host-10-10-10-2.openstacklocal").Answers);
        server.AssertAlive();
    }

    [Fact]
    public async Task PortZero_NoDns_DhcpStillServes()
    {
        await using NetworkLab lab = NetworkLab.Create();
        List<string> arguments = [.. lab.SeedArguments(), "--port=0"];
        ServerProcess server = await lab.StartServerAsync(arguments);
        using CraftedClient client = CraftedClient.Open(lab.AddVm(Seeds.Mac2));
        Assert.Equal(Seeds.Ip("10.10.10.2"), client.Dora().Yiaddr);
        Assert.False(ListensOn(server.Pid, "udp", 53), "nothing may listen on UDP 53 with --port=0");
        Assert.False(ListensOn(server.Pid, "tcp", 53), "nothing may listen on TCP 53 with --port=0");
    }

    // --- helpers ---------------------------------------------------------------------------------------------------

    private static void SkipUnderDnsmasqUnlessComparable()
    {
        // The DNS tests are written for qdhcp's responder (NXDOMAIN for bare names, REFUSED without upstreams, SOA
        // shapes); dnsmasq is compared with it in bench/dns/run-dnsperf.sh instead.
        ServerProcess.SkipUnderDnsmasq("the DNS tests check qdhcp's documented answers (docs/dns.md); dnsmasq is measured against it by bench/dns");
    }

    private static string AddnHostsPath(NetworkLab lab) => Path.Combine(lab.StateDirectory, "addn_hosts");

    private static async Task<ServerProcess> StartAsync(NetworkLab lab, params string[] extra) => await StartAsync(lab, extra, strictOrder: true);

    private static async Task<ServerProcess> StartAsync(NetworkLab lab, string[] extra, bool strictOrder = true, bool writeAddnHosts = true)
    {
        LabRequirements.RequireTool("dig", "dnsutils");
        lab.WriteCaptureConfiguration();
        if (writeAddnHosts)
        {
            WriteAtomically(AddnHostsPath(lab), AddnHosts);
        }

        List<string> arguments = [.. lab.SeedArguments(), $"--addn-hosts={AddnHostsPath(lab)}", "--local-service", "--log-queries", .. extra];
        if (!strictOrder)
        {
            arguments.Remove("--strict-order");
        }

        return await lab.StartServerAsync(arguments);
    }

    private static async Task<ServerProcess> StartAsync(NetworkLab lab, bool writeAddnHosts) => await StartAsync(lab, [], true, writeAddnHosts);

    /// <summary>dnsmasq as an upstream resolver in its own namespace of the lab, answering one name; killed by PID with the lab.</summary>
    private static async Task StartUpstreamAsync(NetworkLab lab, Vm upstream, string name, string address)
    {
        string dnsmasq = LabRequirements.RequireTool("dnsmasq", "dnsmasq-base");
        var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (string arg in (string[])["netns", "exec", upstream.Namespace, dnsmasq, "--keep-in-foreground", "--no-resolv", "--no-hosts", "--conf-file=/dev/null",
            "--bind-interfaces", "--listen-address=10.10.10.53", "--except-interface=lo", $"--address=/{name}/{address}", "--user=root",
            $"--pid-file={Path.Combine(lab.StateDirectory, "upstream.pid")}", "--log-queries", "--log-facility=-"])
        {
            info.ArgumentList.Add(arg);
        }

        Process process = Process.Start(info) ?? throw new InvalidOperationException("could not start the upstream dnsmasq");
        var output = new Shell.OutputLog();
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => output.Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        lab.Own(new OwnedProcess(process, output, "upstream dnsmasq"));
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the upstream dnsmasq exited ({process.ExitCode}):\n{output}");
            }

            if (ListensOn(process.Id, "udp", 53))
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"the upstream dnsmasq did not listen:\n{output}");
    }

    private sealed class OwnedProcess(Process process, Shell.OutputLog output, string what) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            if (!process.HasExited)
            {
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
            }

            NetworkLab.Log($"{what} output:\n{output}");
            process.Dispose();
        }
    }

    /// <summary>/proc/PID/net/{udp,tcp} list the sockets of the process's namespace; 53 is 0035.</summary>
    private static bool ListensOn(int pid, string protocol, int port)
    {
        string suffix = $":{port:X4}";
        try
        {
            return File.ReadLines($"/proc/{pid}/net/{protocol}").Skip(1)
                .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Any(f => f.Length > 3 && f[1].EndsWith(suffix, StringComparison.Ordinal) && (protocol == "udp" || f[3] == "0A"));
        }
        catch (IOException)
        {
            return false;
        }
    }

    private sealed record DigResult(string Status, IReadOnlyList<string> Flags, List<string> Answers, string Output);

    /// <summary><c>dig @10.10.10.3</c> from inside a VM namespace.</summary>
    private static DigResult Dig(Vm vm, params string[] args)
    {
        string dig = LabRequirements.RequireTool("dig", "dnsutils");
        List<string> command = ["netns", "exec", vm.Namespace, dig, $"@{Server}", "+time=3", "+tries=1", .. args];
        Shell.Result result = Shell.Run("ip", command, TimeSpan.FromSeconds(30));
        string output = result.Stdout + result.Stderr;
        NetworkLab.Log($"dig {string.Join(' ', args)}:\n{output}");
        Match status = StatusPattern().Match(output);
        Match flags = FlagsPattern().Match(output);
        List<string> answers = [];
        bool inAnswer = false;
        foreach (string line in output.Split('\n'))
        {
            if (line.StartsWith(";; ANSWER SECTION", StringComparison.Ordinal))
            {
                inAnswer = true;
                continue;
            }

            if (inAnswer && (line.Length == 0 || line.StartsWith(';')))
            {
                inAnswer = false;
                continue;
            }

            if (inAnswer)
            {
                string[] fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                answers.Add(fields[^1]);
            }
        }

        return new DigResult(status.Success ? status.Groups[1].Value : "(no answer)", flags.Success ? flags.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [], answers, output);
    }

    private static Shell.Result GetentResult(Vm vm, string resolvConf, string key) =>
        // A private mount namespace with the VM's resolv.conf over /etc/resolv.conf: the host's stays untouched.
        Shell.Run("ip", ["netns", "exec", vm.Namespace, "unshare", "--mount", "--propagation", "private", "--",
            "/bin/sh", "-c", $"mount --bind '{resolvConf}' /etc/resolv.conf && exec getent hosts '{key}'"], TimeSpan.FromSeconds(30));

    private static string Getent(Vm vm, string resolvConf, string key)
    {
        Shell.Result result = GetentResult(vm, resolvConf, key);
        NetworkLab.Log($"getent hosts {key}: {result}");
        Assert.True(result.Ok, result.ToString());
        return result.Stdout.Trim();
    }

    private static byte[] Query(string name, ushort id)
    {
        byte[] buffer = new byte[512];
        var writer = new DnsWriter(buffer, buffer.Length);
        writer.WriteHeader(id, DnsHeader.RecursionDesiredFlag);
        writer.TryWriteQuestion(DnsName.Encode(name)!, DnsRecordType.A, DnsClass.IN);
        return buffer[..writer.BytesWritten];
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        if (length > 2)
        {
            bytes[2] &= 0x7F; // mostly "queries", so the responder has to look at them
        }

        return bytes;
    }

    private static void WriteAtomically(string path, IEnumerable<string> lines)
    {
        string temp = path + ".tmp";
        File.WriteAllText(temp, string.Concat(lines.Select(l => l + "\n")));
        File.SetUnixFileMode(temp, (UnixFileMode)0b110_100_100);
        File.Move(temp, path, overwrite: true);
    }

    [GeneratedRegex(@"status: ([A-Z]+)")]
    private static partial Regex StatusPattern();

    [GeneratedRegex(@";; flags: ([a-z ]+);")]
    private static partial Regex FlagsPattern();
}

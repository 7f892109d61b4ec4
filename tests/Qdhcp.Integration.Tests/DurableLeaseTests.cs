using System.Diagnostics;
using Qdhcp.Integration.Tests.Infrastructure;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Integration.Tests;

/// <summary>
/// Durable leases (issue 7): every ACKed lease survives <c>kill -9</c>, and a full disk refuses new bindings
/// (no ACK the next start would not know of) while renewals of existing leases go on being answered.
/// </summary>
[Trait("Category", "Namespace")]
public sealed class DurableLeaseTests
{
    /// <summary>10.61.0.0/16: room for several hundred reserved hosts.</summary>
    private static readonly LabOptions Network = new(IPv4Address.Parse("10.61.0.1"), 16);

    [Theory]
    [InlineData("static hosts")]
    [InlineData("dynamic pool")]
    public async Task KillDashNineUnderLoad_ThenRestart_EveryAckedLeaseIsKept_AndNoAckedAddressGoesToAnotherMac(string kind)
    {
        ServerProcess.SkipUnderDnsmasq("the lease journal is qdhcp's");
        await using NetworkLab lab = NetworkLab.Create(Network);
        LoadScenario scenario = kind == "static hosts" ? LoadScenario.StaticHosts(lab, clients: 400) : LoadScenario.DynamicPool(lab, clients: 400);
        ServerProcess server = await lab.StartServerAsync(scenario.ServerArguments);
        using CraftedClient client = CraftedClient.Open(lab.AddVm(MacAddress.Parse("fa:16:3e:61:ff:fe")));

        // Load until half the clients are bound, SIGKILL the server in the middle of it, and keep sending a little
        // longer so the kill lands with requests in flight.
        LoadRun run = new(client, scenario);
        run.RunUntil(() => run.Bound >= scenario.Clients.Count / 2, TimeSpan.FromSeconds(60));
        Stopwatch sinceKill = Stopwatch.StartNew();
        Task kill = server.KillAsync();
        run.RunUntil(() => sinceKill.Elapsed > TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5));
        await kill;
        NetworkLab.Log($"load: {run.Acks.Count} clients ACKed, {run.Sent} requests sent");
        Assert.True(run.Bound >= scenario.Clients.Count / 2, $"only {run.Bound} clients were bound before the kill");

        ServerProcess restarted = await lab.StartServerAsync(scenario.ServerArguments);
        Dictionary<IPv4Address, MacAddress> onFile = ReadLeaseFile(lab.LeasesFile);
        List<string> lost = [.. run.Acks.Where(a => !onFile.TryGetValue(a.Value, out MacAddress mac) || mac != a.Key).Select(a => $"{a.Key} {a.Value}")];
        Assert.True(lost.Count == 0, $"{lost.Count} of {run.Acks.Count} ACKed leases are not in the lease file after the restart: {string.Join(", ", lost.Take(20))}");

        // The restarted server agrees: every ACKed client keeps its address (ACK, never NAK, never another address)...
        foreach ((MacAddress mac, IPv4Address address) in run.Acks.Take(40))
        {
            DhcpReply? reply = client.Request(mac, address, serverId: null, timeout: TimeSpan.FromSeconds(2));
            Assert.True(reply is { Type: Dhcp4MessageType.Ack } && reply.Yiaddr == address, $"{mac} asked for {address} after the restart, got {reply?.ToString() ?? "nothing"}");
        }

        // ...and new clients get none of the ACKed addresses (static hosts: unknown clients get nothing at all).
        HashSet<IPv4Address> acked = [.. run.Acks.Values];
        for (int n = 0; n < 20; n++)
        {
            MacAddress newcomer = MacAddress.Parse($"fa:16:3e:62:00:{n:x2}");
            DhcpReply? offer = client.Discover(newcomer, timeout: TimeSpan.FromSeconds(1));
            Assert.True(offer is null ? !scenario.IsDynamic : !acked.Contains(offer.Yiaddr), $"new client {newcomer} was offered {offer?.Yiaddr}");
        }

        restarted.AssertAlive();
    }

    [Fact]
    public async Task FullDisk_NewBindingsGetNoAck_RenewalsDo_ErrorLoggedAndCounted_ThenRecoversWhenSpaceIsFreed()
    {
        ServerProcess.SkipUnderDnsmasq("the lease journal is qdhcp's");
        await using NetworkLab lab = NetworkLab.Create(Network);
        await using SmallTmpfs disk = SmallTmpfs.Mount(lab.StateDirectory, "full", "256k");
        string leaseFile = Path.Combine(disk.Path, "leases");
        LoadScenario scenario = LoadScenario.StaticHosts(lab, clients: 10, leaseFile);
        ServerProcess server = await lab.StartServerAsync(scenario.ServerArguments);
        using CraftedClient client = CraftedClient.Open(lab.AddVm(MacAddress.Parse("fa:16:3e:61:ff:fd")));
        (MacAddress bound, IPv4Address boundAddress) = scenario.Clients[0];
        Assert.Equal(boundAddress, client.Dora(bound).Yiaddr);

        // The compaction after that change leaves an empty journal: its next record needs a page the disk lacks.
        // (Polled without assuming the files exist: a compaction renames the journal before it creates the next one.)
        FileInfo journal = new(leaseFile + ".journal");
        await WaitForAsync(() => { journal.Refresh(); return journal.Exists && journal.Length == 0 && File.Exists(leaseFile) && File.ReadAllText(leaseFile).Contains(bound.ToString()); }, TimeSpan.FromSeconds(5));
        disk.Fill();

        (MacAddress newcomer, IPv4Address newcomerAddress) = scenario.Clients[1];
        DhcpReply? offer = client.Discover(newcomer);
        Assert.Equal(Dhcp4MessageType.Offer, offer?.Type);
        DhcpReply? refused = client.Request(newcomer, newcomerAddress, offer!.Packet.ServerId, timeout: TimeSpan.FromSeconds(2));
        Assert.True(refused is null, $"a new binding was answered while the journal could not be written: {refused}");
        DhcpReply? renewal = client.Request(bound, boundAddress, serverId: null, timeout: TimeSpan.FromSeconds(2));
        Assert.True(renewal is { Type: Dhcp4MessageType.Ack } && renewal.Yiaddr == boundAddress, $"the renewal of an existing lease was not ACKed: {renewal}");
        IReadOnlyList<string> errors = await server.WaitForOutputAsync(l => l.Contains("Cannot write the lease journal", StringComparison.Ordinal), 1, TimeSpan.FromSeconds(5));
        Assert.Contains(leaseFile + ".journal", errors[0], StringComparison.Ordinal);
        Assert.Contains("No space left on device", errors[0], StringComparison.Ordinal);
        Assert.Contains("failed journal writes so far", errors[0], StringComparison.Ordinal);

        disk.Free();
        DhcpReply? ack = null;
        Stopwatch retrying = Stopwatch.StartNew();
        while (ack is null && retrying.Elapsed < TimeSpan.FromSeconds(10))
        {
            ack = client.Request(newcomer, newcomerAddress, offer.Packet.ServerId, timeout: TimeSpan.FromSeconds(1));
        }

        Assert.True(ack is { Type: Dhcp4MessageType.Ack } && ack.Yiaddr == newcomerAddress, $"no ACK for the new binding after space was freed: {ack}");
        IReadOnlyList<string> recovered = await server.WaitForOutputAsync(l => l.Contains("is writable again", StringComparison.Ordinal), 1, TimeSpan.FromSeconds(5));
        Assert.Matches(@"after [1-9]\d* failed writes; [1-9]\d* new bindings were refused", recovered[0]);

        // Both leases are durable now.
        await server.KillAsync();
        await lab.StartServerAsync(scenario.ServerArguments);
        Dictionary<IPv4Address, MacAddress> onFile = ReadLeaseFile(leaseFile);
        Assert.Equal(bound, onFile[boundAddress]);
        Assert.Equal(newcomer, onFile[newcomerAddress]);
    }

    private static Dictionary<IPv4Address, MacAddress> ReadLeaseFile(string path)
    {
        Dictionary<IPv4Address, MacAddress> leases = [];
        foreach (string line in File.ReadAllLines(path))
        {
            string[] f = line.Split(' ');
            leases[IPv4Address.Parse(f[2])] = MacAddress.Parse(f[1]);
        }

        return leases;
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout)
    {
        Stopwatch clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < timeout, "timed out waiting for the lease file to be compacted");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// What the load runs against: the server's command line and the clients (MAC, and the address it must get, or
    /// <see cref="IPv4Address.Any"/>: whatever the pool offers).
    /// </summary>
    private sealed record LoadScenario(List<string> ServerArguments, IReadOnlyList<(MacAddress Mac, IPv4Address Address)> Clients, bool IsDynamic)
    {
        /// <summary>A host reservation per client (as Neutron writes them).</summary>
        public static LoadScenario StaticHosts(NetworkLab lab, int clients, string? leaseFile = null)
        {
            List<(MacAddress, IPv4Address)> hosts = [];
            for (int n = 0; n < clients; n++)
            {
                hosts.Add((ClientMac(n), IPv4Address.Parse($"10.61.{1 + n / 250}.{1 + n % 250}")));
            }

            lab.WriteHosts(hosts.Select(c => $"{c.Item1},host-{c.Item2.ToString().Replace('.', '-')},{c.Item2}"));
            return new LoadScenario(Arguments(lab, "--dhcp-range=tag0,10.61.0.0,static,255.255.0.0,600s", leaseFile), hosts, IsDynamic: false);
        }

        /// <summary>No reservations: a pool a few times larger than the clients, rate limits off (one interface carries the whole load).</summary>
        public static LoadScenario DynamicPool(NetworkLab lab, int clients)
        {
            lab.WriteHosts([]);
            List<string> arguments = Arguments(lab, "--dhcp-range=tag0,10.61.1.1,10.61.8.250,255.255.0.0,600s", null);
            arguments.AddRange(["--dhcp-pool-rate-limit=0", "--dhcp-client-rate-limit=0"]);
            return new LoadScenario(arguments, [.. Enumerable.Range(0, clients).Select(n => (ClientMac(n), IPv4Address.Any))], IsDynamic: true);
        }

        private static MacAddress ClientMac(int n) => MacAddress.Parse($"fa:16:3e:61:{1 + n / 250:x2}:{1 + n % 250:x2}");

        private static List<string> Arguments(NetworkLab lab, string range, string? leaseFile)
        {
            lab.WriteOpts("tag:tag0,option:router,10.61.0.1");
            return
            [
                "--no-hosts", "--no-resolv", "--bind-interfaces", $"--interface={lab.TapName}", "--except-interface=lo", "--port=0",
                $"--pid-file={lab.PidFile}", $"--dhcp-hostsfile={lab.HostsFile}", $"--dhcp-optsfile={lab.OptsFile}",
                $"--dhcp-leasefile={leaseFile ?? lab.LeasesFile}", range,
                "--dhcp-lease-max=4096", "--conf-file=", "--domain=openstacklocal", "--keep-in-foreground",
            ];
        }
    }

    /// <summary>
    /// Many clients over one crafted client, a window of them in flight: DISCOVER, REQUEST for the offer, ACK (a
    /// new binding), then INIT-REBOOT REQUESTs for the same address (renewals) round after round. Records every ACK,
    /// and fails at once when an address is ACKed to two clients.
    /// </summary>
    private sealed class LoadRun(CraftedClient client, LoadScenario scenario)
    {
        private const int Window = 32;
        private readonly Dictionary<uint, (int Client, long SentAt)> _inFlight = [];
        private readonly HashSet<int> _bound = [];
        private readonly Dictionary<IPv4Address, MacAddress> _holders = [];
        private int _next;

        /// <summary>Every ACK received: the client and the address it was given.</summary>
        public Dictionary<MacAddress, IPv4Address> Acks { get; } = [];

        public int Bound => _bound.Count;

        public int Sent { get; private set; }

        public void RunUntil(Func<bool> done, TimeSpan limit)
        {
            Stopwatch clock = Stopwatch.StartNew();
            while (!done() && clock.Elapsed < limit)
            {
                long now = Stopwatch.GetTimestamp();
                foreach (uint stale in _inFlight.Where(f => Stopwatch.GetElapsedTime(f.Value.SentAt, now) > TimeSpan.FromSeconds(1)).Select(f => f.Key).ToList())
                {
                    _inFlight.Remove(stale);
                }

                while (_inFlight.Count < Window)
                {
                    int n = _next++ % scenario.Clients.Count;
                    (MacAddress mac, IPv4Address address) = scenario.Clients[n];
                    uint xid = CraftedClient.NewXid();
                    client.SendBroadcast(_bound.Contains(n)
                        ? CraftedClient.RequestPacket(mac, xid, Acks[mac])
                        : CraftedClient.DiscoverPacket(mac, xid));
                    _inFlight[xid] = (n, Stopwatch.GetTimestamp());
                    Sent++;
                }

                foreach (DhcpReply reply in client.ReceiveReplies(r => _inFlight.ContainsKey(r.Packet.Xid), Window, TimeSpan.FromMilliseconds(20)))
                {
                    (int n, _) = _inFlight[reply.Packet.Xid];
                    (MacAddress mac, IPv4Address address) = scenario.Clients[n];
                    if (reply.Type == Dhcp4MessageType.Offer && reply.Packet.ServerId is { } serverId)
                    {
                        uint xid = reply.Packet.Xid;
                        client.SendBroadcast(CraftedClient.RequestPacket(mac, xid, reply.Yiaddr, serverId));
                        _inFlight[xid] = (n, Stopwatch.GetTimestamp());
                        Sent++;
                        continue;
                    }

                    _inFlight.Remove(reply.Packet.Xid);
                    if (reply.Type == Dhcp4MessageType.Ack && reply.Packet.Chaddr == mac)
                    {
                        Assert.True(address == IPv4Address.Any || reply.Yiaddr == address, $"{mac} was given {reply.Yiaddr}, not its {address}");
                        Assert.True(!_holders.TryGetValue(reply.Yiaddr, out MacAddress holder) || holder == mac, $"{reply.Yiaddr} was ACKed to {holder} and to {mac}");
                        _holders[reply.Yiaddr] = mac;
                        Acks[mac] = reply.Yiaddr;
                        _bound.Add(n);
                    }
                }
            }
        }
    }

    /// <summary>A tmpfs of a few pages mounted on a directory of the lab (unmounted at dispose), and a file that fills it.</summary>
    private sealed class SmallTmpfs : IAsyncDisposable
    {
        private SmallTmpfs(string path) => Path = path;

        public string Path { get; }

        private string Filler => System.IO.Path.Combine(Path, "filler");

        public static SmallTmpfs Mount(string parent, string name, string size)
        {
            string path = Directory.CreateDirectory(System.IO.Path.Combine(parent, name)).FullName;
            Shell.Result mounted = Shell.Run("mount", "-t", "tmpfs", "-o", $"size={size},mode=0755", "qdhcp-test-full", path);
            Assert.True(mounted.Ok, $"mount tmpfs on {path}: {mounted}");
            NetworkLab.Log($"tmpfs {size} on {path}");
            return new SmallTmpfs(path);
        }

        /// <summary>Writes until the file system is full (ENOSPC).</summary>
        public void Fill()
        {
            using FileStream filler = new(Filler, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
            byte[] block = new byte[4096];
            try
            {
                while (true)
                {
                    filler.Write(block);
                    filler.Flush();
                }
            }
            catch (IOException e)
            {
                NetworkLab.Log($"tmpfs full after {filler.Length} bytes of filler: {e.Message}");
            }
        }

        public void Free() => File.Delete(Filler);

        public ValueTask DisposeAsync()
        {
            Shell.Result unmounted = Shell.Run("umount", "-l", Path);
            if (!unmounted.Ok)
            {
                NetworkLab.Log($"teardown: umount {Path}: {unmounted}");
            }

            return ValueTask.CompletedTask;
        }
    }
}

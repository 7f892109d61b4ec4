using BenchmarkDotNet.Attributes;
using Qdhcp.Engine.Dhcp4;
using Qdhcp.Wire.Dhcp4;

namespace Qdhcp.Benchmarks;

/// <summary>
/// The whole packet path without sockets: <see cref="Dhcp4Engine.Process"/> = parse, find the host among
/// <see cref="Hosts"/> reservations, decide, write the reply. Relay requests are perfdhcp's (giaddr set), direct
/// ones dhclient's. Warm: the client's lease exists (as in a steady DORA load over a fixed set of clients).
/// Expected allocation: 0 B for every Process benchmark.
/// </summary>
[MemoryDiagnoser]
public class Dhcp4EngineBenchmarks
{
    private Dhcp4Engine _engine = null!;
    private byte[] _relayDiscover = null!, _relayRequest = null!, _directDiscover = null!, _directRequest = null!, _renew = null!, _unknown = null!;
    private readonly byte[] _reply = new byte[1500];

    [Params(10_000, 65_535)]
    public int Hosts { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _engine = new Dhcp4Engine(Dhcp4NetworkSnapshot.Compile(BenchNetwork.Configuration(Hosts)));
        int host = Hosts / 2;
        _relayDiscover = BenchNetwork.Request(Dhcp4MessageType.Discover, host, BenchNetwork.Relay);
        _relayRequest = BenchNetwork.Request(Dhcp4MessageType.Request, host, BenchNetwork.Relay, requested: BenchNetwork.Address(host), serverId: BenchNetwork.Server);
        _directDiscover = BenchNetwork.Request(Dhcp4MessageType.Discover, host, default);
        _directRequest = BenchNetwork.Request(Dhcp4MessageType.Request, host, default, requested: BenchNetwork.Address(host), serverId: BenchNetwork.Server);
        _renew = BenchNetwork.Request(Dhcp4MessageType.Request, host, default, ciaddr: BenchNetwork.Address(host));
        _unknown = BenchNetwork.Request(Dhcp4MessageType.Discover, Hosts + 7, default);
        if (Run(_relayRequest) != Dhcp4MessageType.Ack || Run(_directDiscover) != Dhcp4MessageType.Offer || Run(_unknown) != Dhcp4MessageType.None)
        {
            throw new InvalidOperationException("the bench network does not answer as expected");
        }
    }

    private Dhcp4MessageType Run(byte[] request) => _engine.Process(BenchNetwork.Context, request, _reply).ReplyType;

    [Benchmark]
    public Dhcp4MessageType RelayDiscoverToOffer() => Run(_relayDiscover);

    [Benchmark]
    public Dhcp4MessageType RelayRequestToAck() => Run(_relayRequest);

    [Benchmark]
    public Dhcp4MessageType DirectDiscoverToOffer() => Run(_directDiscover);

    [Benchmark]
    public Dhcp4MessageType DirectRequestToAck() => Run(_directRequest);

    [Benchmark]
    public Dhcp4MessageType RenewToAck() => Run(_renew);

    [Benchmark]
    public Dhcp4MessageType UnknownClientDropped() => Run(_unknown);
}

/// <summary>What a start or a SIGHUP costs besides reading files: compiling a configuration into a snapshot.</summary>
[MemoryDiagnoser]
public class Dhcp4SnapshotBenchmarks
{
    private Qdhcp.Engine.Model.Dhcp4Configuration _configuration = null!;

    [Params(65_535)]
    public int Hosts { get; set; }

    [GlobalSetup]
    public void Setup() => _configuration = BenchNetwork.Configuration(Hosts);

    [Benchmark]
    public int Compile() => Dhcp4NetworkSnapshot.Compile(_configuration).HostCount;
}

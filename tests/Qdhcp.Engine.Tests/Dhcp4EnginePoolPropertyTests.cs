using CsCheck;
using Qdhcp.Engine.Dhcp4;
using Qdhcp.Engine.Model;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;
using static Qdhcp.Engine.Tests.TestNetwork;

namespace Qdhcp.Engine.Tests;

/// <summary>
/// The pool allocator against a model (STYLE.md §5): random sequences of DORA, DISCOVER, REQUEST, renewal,
/// RELEASE, DECLINE, INIT-REBOOT to arbitrary addresses and time passing, by six clients and one reserved host,
/// on a pool of seven addresses. The model keeps what the clients were told; after every reply it checks that no
/// address is held twice, reservations and declines are respected, an exhausted pool is really exhausted, and a
/// returning client is offered the address it still has.
/// </summary>
public class Dhcp4EnginePoolPropertyTests
{
    private const int Clients = 7; // 0..5 pool clients, 6 = the reserved host
    private const int Reserved = 6;
    private const uint LeaseSeconds = 600;
    private const uint OfferHold = 10;
    private const uint Quarantine = 120;
    private static readonly IPv4Address PoolStart = IPv4Address.Parse("10.10.10.100");
    private static readonly IPv4Address PoolEnd = IPv4Address.Parse("10.10.10.106");
    private static readonly IPv4Address ReservedAddress = IPv4Address.Parse("10.10.10.104");

    private static MacAddress ClientMac(int i) => i == Reserved ? Vm3 : new MacAddress(0xfa163e00a000UL + (ulong)i);

    [Fact]
    public void RandomExchanges_NeverBreakTheAllocatorsPromises()
    {
        Gen<(int Op, int Client, int Arg)> step = Gen.Select(Gen.Int[0, 7], Gen.Int[0, Clients - 1], Gen.Int[0, 700]);
        step.Array[1, 80].Sample(steps => new Run().Play(steps), iter: 1000);
    }

    private sealed class Run
    {
        private readonly TestClock _clock = new();
        private readonly Dhcp4Engine _engine;
        private readonly TestDhcp4Client[] _clients;
        private readonly Dictionary<IPv4Address, long> _quarantinedUntil = [];

        // What each client was last told: its ACKed address and expiry (Any when none), its last offer and until when.
        private readonly IPv4Address[] _leased = new IPv4Address[Clients];
        private readonly long[] _leaseEnds = new long[Clients];
        private readonly IPv4Address[] _offered = new IPv4Address[Clients];
        private readonly long[] _offerEnds = new long[Clients];

        public Run()
        {
            Dhcp4Configuration configuration = Configuration(hosts: [Host(Vm3, ReservedAddress, "reserved")]) with
            {
                Ranges = [new DhcpRange(["tag0"], [], PoolStart, PoolEnd, IsStatic: false, Netmask: null, LeaseSeconds)],
                OfferHoldSeconds = OfferHold,
                DeclineQuarantineSeconds = Quarantine,
                ClientRateLimit = 0,
                PoolRateLimit = 0,
            };
            _engine = NewEngine(configuration);
            _clients = [.. Enumerable.Range(0, Clients).Select(i => new TestDhcp4Client(_engine, ClientMac(i), _clock))];
        }

        private long Now => _clock.Now;

        private readonly List<string> _trace = [];

        public void Play((int Op, int Client, int Arg)[] steps)
        {
            try
            {
                PlaySteps(steps);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException(e.Message + "\n" + string.Join("\n", _trace), e);
            }
        }

        private void PlaySteps((int Op, int Client, int Arg)[] steps)
        {
            foreach ((int op, int c, int arg) in steps)
            {
                TestDhcp4Client client = _clients[c];
                _trace.Add($"t={Now - Epoch} op={op} client={c} arg={arg}");
                switch (op)
                {
                    case 0:
                        Discover(c);
                        if (!_offered[c].IsAny && _offerEnds[c] > Now)
                        {
                            Request(c, client.BuildRequestSelecting(ServerAddress, _offered[c]), _offered[c]);
                        }

                        break;
                    case 1:
                        Discover(c);
                        break;
                    case 2:
                        if (!_offered[c].IsAny)
                        {
                            Request(c, client.BuildRequestSelecting(ServerAddress, _offered[c]), _offered[c]);
                        }

                        break;
                    case 3:
                        if (!_leased[c].IsAny)
                        {
                            Request(c, client.BuildRequestRenewing(_leased[c]), _leased[c]);
                        }

                        break;
                    case 4:
                        if (!_leased[c].IsAny)
                        {
                            Assert.Null(client.Send(client.BuildRelease(_leased[c], ServerAddress)));
                            Forget(c);
                        }

                        break;
                    case 5:
                        if (!_leased[c].IsAny)
                        {
                            Assert.Null(client.Send(client.BuildDecline(_leased[c], ServerAddress)));
                            _quarantinedUntil[_leased[c]] = Now + Quarantine;
                            DropOffersOn(_leased[c]);
                            Forget(c);
                        }

                        break;
                    case 6:
                        _clock.Advance(arg);
                        break;
                    default:
                        IPv4Address target = new(PoolStart.Value + (uint)(arg % 7));
                        Request(c, client.BuildRequestInitReboot(target), target);
                        break;
                }
            }
        }

        private void Discover(int c)
        {
            TestDhcp4Client client = _clients[c];
            ParsedReply? offer = client.Send(client.BuildDiscover());
            _trace.Add($"  DISCOVER -> {(offer is null ? client.LastResult.DropReason.ToString() : "OFFER " + offer.Yiaddr)}");
            if (offer is null && c == Reserved)
            {
                // Its own reserved address, declined by itself: out of service for the quarantine.
                Assert.Equal(Dhcp4DropReason.AddressInUse, client.LastResult.DropReason);
                Assert.False(IsFreeFor(c, ReservedAddress));
                return;
            }

            if (offer is null)
            {
                Assert.Equal(Dhcp4DropReason.PoolExhausted, client.LastResult.DropReason);
                foreach (IPv4Address address in Pool())
                {
                    Assert.False(IsFreeFor(c, address), $"pool reported exhausted but {address} is free for client {c}");
                }

                return;
            }

            IPv4Address given = offer.Yiaddr;
            Assert.True(IsFreeFor(c, given), $"{given} offered to client {c} but it is not free for it");
            if (c == Reserved)
            {
                Assert.Equal(ReservedAddress, given);
                return;
            }

            // A client that still has its lease (expired or not) or a live offer is offered that address again.
            IPv4Address own = !_leased[c].IsAny ? _leased[c] : (!_offered[c].IsAny && _offerEnds[c] > Now ? _offered[c] : IPv4Address.Any);
            if (!own.IsAny && IsFreeFor(c, own))
            {
                Assert.Equal(own, given);
            }

            DropOffersOn(given);
            _offered[c] = given;
            _offerEnds[c] = Now + OfferHold;
        }

        private void Request(int c, byte[] request, IPv4Address target)
        {
            TestDhcp4Client client = _clients[c];
            ParsedReply? reply = client.Send(request);
            _trace.Add($"  REQUEST {target} -> {(reply is null ? client.LastResult.DropReason.ToString() : reply.MessageType + " " + reply.Yiaddr)}");
            if (reply?.MessageType == Dhcp4MessageType.Ack)
            {
                Assert.Equal(target, reply.Yiaddr);
                Assert.True(IsFreeFor(c, target), $"{target} ACKed to client {c} but it is not free for it");
                for (int other = 0; other < Clients; other++)
                {
                    if (other != c && _leased[other] == target)
                    {
                        // Expired, so the server could reclaim it: that client no longer has it.
                        Assert.True(_leaseEnds[other] <= Now);
                        _leased[other] = IPv4Address.Any;
                    }
                }

                DropOffersOn(target);
                _offered[c] = IPv4Address.Any;
                _leased[c] = target;
                _leaseEnds[c] = Now + LeaseSeconds;
                return;
            }

            if (reply?.MessageType == Dhcp4MessageType.Nak)
            {
                // A NAK for an address in the pool means someone else has it (or it is reserved or declined).
                if (c != Reserved && InPool(target))
                {
                    Assert.False(IsFreeFor(c, target), $"{target} NAKed to client {c} but it is free for it");
                }

                if (_leased[c] == target)
                {
                    Forget(c);
                }
            }
        }

        private bool IsFreeFor(int c, IPv4Address address)
        {
            if (_quarantinedUntil.TryGetValue(address, out long until) && until > Now)
            {
                return false;
            }

            if (c == Reserved)
            {
                return address == ReservedAddress;
            }

            if (!InPool(address) || address == ReservedAddress)
            {
                return false;
            }

            for (int other = 0; other < Clients; other++)
            {
                if (other == c)
                {
                    continue;
                }

                if (_leased[other] == address && _leaseEnds[other] > Now)
                {
                    return false;
                }

                if (_offered[other] == address && _offerEnds[other] > Now)
                {
                    return false;
                }
            }

            return true;
        }

        private void DropOffersOn(IPv4Address address)
        {
            for (int other = 0; other < Clients; other++)
            {
                if (_offered[other] == address)
                {
                    _offered[other] = IPv4Address.Any;
                }
            }
        }

        private void Forget(int c)
        {
            _leased[c] = IPv4Address.Any;
            _offered[c] = IPv4Address.Any;
        }

        private static bool InPool(IPv4Address address) => address >= PoolStart && address <= PoolEnd;

        private static IEnumerable<IPv4Address> Pool()
        {
            for (uint a = PoolStart.Value; a <= PoolEnd.Value; a++)
            {
                yield return new IPv4Address(a);
            }
        }
    }
}

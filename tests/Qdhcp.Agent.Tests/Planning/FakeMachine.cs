using Qdhcp.Agent.Planning;

namespace Qdhcp.Agent.Tests.Planning;

/// <summary>Applies plumbing actions to an in-memory machine the way the kernel would, so plans can be run and re-planned.</summary>
internal sealed class FakeMachine
{
    private readonly Dictionary<string, (Dictionary<string, ActualLink> Links, (string Gateway, string Device)? Route)> _namespaces = new();
    private readonly Dictionary<string, ActualLink> _root = new();
    private readonly Dictionary<string, string> _peers = new(); // veth end -> other end

    public HashSet<string> Owned { get; } = [];

    public FakeMachine(ActualPlumbing? start = null)
    {
        foreach (ActualNamespace ns in start?.Namespaces ?? [])
        {
            _namespaces[ns.Name] = (ns.Links.ToDictionary(l => l.Name), ns.DefaultGateway is { } g ? (g, ns.DefaultRouteDevice ?? "?") : null);
        }

        foreach (ActualLink l in start?.RootLinks ?? [])
        {
            _root[l.Name] = l;
        }
    }

    public ActualPlumbing Actual =>
        new(
            _namespaces.Select(kv => new ActualNamespace(kv.Key, kv.Value.Links.Values.ToList(), kv.Value.Route?.Gateway, kv.Value.Route?.Device)).ToList(),
            _root.Values.ToList());

    public void Apply(IEnumerable<PlumbingAction> actions)
    {
        foreach (PlumbingAction a in actions)
        {
            Apply(a);
        }
    }

    private Dictionary<string, ActualLink> Links(string? ns) =>
        ns is null ? _root : _namespaces.TryGetValue(ns, out var n) ? n.Links : throw new InvalidOperationException($"no namespace {ns}");

    private ActualLink Get(string name, string? ns) =>
        Links(ns).TryGetValue(name, out ActualLink? l) ? l : throw new InvalidOperationException($"no link {name} in {ns ?? "root"}");

    private void Set(ActualLink l, string? ns) => Links(ns)[l.Name] = l;

    private void Apply(PlumbingAction action)
    {
        switch (action)
        {
            case CreateNamespace c:
                Assert.False(_namespaces.ContainsKey(c.Namespace), $"{c.Namespace} exists");
                _namespaces[c.Namespace] = (new() { ["lo"] = new ActualLink("lo", null, [], 65536, false) }, null);
                Owned.Add(c.Namespace);
                break;
            case DeleteNamespace d:
                foreach (string link in _namespaces[d.Namespace].Links.Keys)
                {
                    DropPeer(link);
                }

                Assert.True(_namespaces.Remove(d.Namespace));
                break;
            case CreateBridge b:
                Assert.False(_root.ContainsKey(b.Bridge));
                _root[b.Bridge] = new ActualLink(b.Bridge, "02:00:00:00:00:01", [], 1500, false, IsBridge: true);
                Owned.Add(b.Bridge);
                break;
            case CreateVethPair v:
                Assert.False(_root.ContainsKey(v.Name) || _root.ContainsKey(v.PeerName));
                _root[v.Name] = new ActualLink(v.Name, "02:00:00:00:00:02", [], v.Mtu, false);
                _root[v.PeerName] = new ActualLink(v.PeerName, "02:00:00:00:00:03", [], v.Mtu, false);
                _peers[v.Name] = v.PeerName;
                _peers[v.PeerName] = v.Name;
                Owned.Add(v.PeerName);
                break;
            case MoveToNamespace m:
                ActualLink moved = Get(m.Link, null);
                _root.Remove(m.Link);
                Links(m.Namespace)[m.Link] = moved with { Addresses = [], Up = false, Master = null };
                break;
            case SetMac s:
                Set(Get(s.Link, s.Namespace) with { MacAddress = s.MacAddress }, s.Namespace);
                break;
            case SetMtu s:
                Set(Get(s.Link, s.Namespace) with { Mtu = s.Mtu }, s.Namespace);
                break;
            case SetMaster s:
                Assert.True(Get(s.Bridge, null).IsBridge);
                Set(Get(s.Link, null) with { Master = s.Bridge }, null);
                break;
            case AddAddress a:
                ActualLink l = Get(a.Link, a.Namespace);
                Assert.DoesNotContain(a.Cidr, l.Addresses);
                Set(l with { Addresses = [.. l.Addresses, a.Cidr] }, a.Namespace);
                break;
            case RemoveAddress r:
                ActualLink rl = Get(r.Link, r.Namespace);
                Assert.Contains(r.Cidr, rl.Addresses);
                Set(rl with { Addresses = rl.Addresses.Where(x => x != r.Cidr).ToList() }, r.Namespace);
                break;
            case SetUp u:
                Set(Get(u.Link, u.Namespace) with { Up = true }, u.Namespace);
                break;
            case SetDefaultRoute r:
                ActualLink via = Get(r.Link, r.Namespace);
                Assert.True(via.Up, "route via a down link");
                Assert.NotEmpty(via.Addresses);
                _namespaces[r.Namespace] = (_namespaces[r.Namespace].Links, (r.Gateway, r.Link));
                break;
            case RemoveDefaultRoute r:
                _namespaces[r.Namespace] = (_namespaces[r.Namespace].Links, null);
                break;
            case DeleteLink d:
                Assert.True(Links(d.Namespace).Remove(d.Link), $"no link {d.Link}");
                DropPeer(d.Link);
                DropRoutesVia(d.Link);
                if (d.Namespace is null)
                {
                    foreach (ActualLink enslaved in _root.Values.Where(x => x.Master == d.Link).ToList())
                    {
                        _root[enslaved.Name] = enslaved with { Master = null };
                    }
                }

                break;
            default:
                throw new InvalidOperationException(action.ToString());
        }
    }

    /// <summary>The kernel drops routes out of a device that goes away.</summary>
    private void DropRoutesVia(string link)
    {
        foreach (string name in _namespaces.Keys.ToList())
        {
            if (_namespaces[name].Route?.Device == link)
            {
                _namespaces[name] = (_namespaces[name].Links, null);
            }
        }
    }

    private void DropPeer(string link)
    {
        if (!_peers.Remove(link, out string? other))
        {
            return;
        }

        _peers.Remove(other);
        _root.Remove(other);
        DropRoutesVia(other);
        foreach (var ns in _namespaces.Values)
        {
            ns.Links.Remove(other);
        }
    }
}

using Prometheus;
using Qdhcp.Engine.Dhcp4;
using Qdhcp.Leases;
using Qdhcp.Wire.Dhcp4;

namespace Qdhcp.Api.Metrics;

/// <summary>
/// The DHCP counters of every served network as Prometheus metrics, read from the runtime at each scrape (the
/// receive loops only increment plain counters; nothing is pushed). Each API host has its own registry, so several
/// hosts in one process (tests) do not share series.
/// <code>
/// qdhcp_dhcp_packets_received_total{network_id, message_type}   DISCOVER, REQUEST, DECLINE, RELEASE, INFORM ...
/// qdhcp_dhcp_packets_sent_total{network_id, message_type}        OFFER, ACK, NAK
/// qdhcp_dhcp_offers_total / acks_total / naks_total{network_id}
/// qdhcp_dhcp_ignored_total{network_id, reason}                   dropped without reply, by reason (unknown_client ...)
/// qdhcp_dhcp_malformed_total{network_id}                         not a well-formed DHCP message
/// qdhcp_networks_served                                          networks with a running server
/// qdhcp_lease_journal_write_failures_total{network_id}           journal commits that failed (disk full, unwritable)
/// qdhcp_lease_journal_refused_bindings_total{network_id}         new bindings not ACKed (released again) because of that
/// qdhcp_lease_journal_healthy{network_id}                        1 while journal writes succeed, 0 while they fail
/// qdhcp_lease_compaction_failures_total{network_id}              compactions into the store that failed
/// qdhcp_lease_journal_bytes{network_id}                          the journal's size now
/// </code>
/// A network's series restart from zero when its server restarts (a Prometheus counter reset), and disappear with it.
/// </summary>
internal sealed class DhcpMetrics
{
    private static readonly Dhcp4MessageType[] MessageTypes = [.. Enum.GetValues<Dhcp4MessageType>().Where(t => t != Dhcp4MessageType.None)];

    private static readonly Dhcp4DropReason[] IgnoreReasons =
        [.. Enum.GetValues<Dhcp4DropReason>().Where(r => r is not (Dhcp4DropReason.None or Dhcp4DropReason.Malformed))];

    private readonly IAgentRuntimeView _runtime;
    private readonly Counter _received;
    private readonly Counter _sent;
    private readonly Counter _offers;
    private readonly Counter _acks;
    private readonly Counter _naks;
    private readonly Counter _ignored;
    private readonly Counter _malformed;
    private readonly Gauge _networks;
    private readonly Counter _journalFailures;
    private readonly Counter _refusedBindings;
    private readonly Gauge _journalHealthy;
    private readonly Counter _compactionFailures;
    private readonly Gauge _journalBytes;
    private HashSet<string> _knownJournals = [];
    private readonly Lock _lock = new();
    private HashSet<string> _known = [];

    public DhcpMetrics(IAgentRuntimeView runtime)
    {
        _runtime = runtime;
        Registry = Prometheus.Metrics.NewCustomRegistry();
        MetricFactory factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        _received = factory.CreateCounter("qdhcp_dhcp_packets_received_total", "DHCP packets received, by message type.", "network_id", "message_type");
        _sent = factory.CreateCounter("qdhcp_dhcp_packets_sent_total", "DHCP packets sent, by message type.", "network_id", "message_type");
        _offers = factory.CreateCounter("qdhcp_dhcp_offers_total", "DHCPOFFERs sent.", "network_id");
        _acks = factory.CreateCounter("qdhcp_dhcp_acks_total", "DHCPACKs sent.", "network_id");
        _naks = factory.CreateCounter("qdhcp_dhcp_naks_total", "DHCPNAKs sent.", "network_id");
        _ignored = factory.CreateCounter("qdhcp_dhcp_ignored_total", "Well-formed DHCP packets dropped without a reply, by reason.", "network_id", "reason");
        _malformed = factory.CreateCounter("qdhcp_dhcp_malformed_total", "Packets that were not well-formed DHCP messages.", "network_id");
        _networks = factory.CreateGauge("qdhcp_networks_served", "Networks with a running DHCP server.");
        _journalFailures = factory.CreateCounter("qdhcp_lease_journal_write_failures_total", "Lease journal commits that failed (disk full, unwritable).", "network_id");
        _refusedBindings = factory.CreateCounter("qdhcp_lease_journal_refused_bindings_total", "New bindings not acknowledged because their journal commit failed.", "network_id");
        _journalHealthy = factory.CreateGauge("qdhcp_lease_journal_healthy", "1 while lease journal writes succeed, 0 while they fail.", "network_id");
        _compactionFailures = factory.CreateCounter("qdhcp_lease_compaction_failures_total", "Lease journal compactions into the store that failed.", "network_id");
        _journalBytes = factory.CreateGauge("qdhcp_lease_journal_bytes", "The lease journal's size in bytes.", "network_id");
        Registry.AddBeforeCollectCallback(Update);
    }

    public CollectorRegistry Registry { get; }

    private void Update()
    {
        lock (_lock)
        {
            IReadOnlyDictionary<string, Dhcp4Counters> all = _runtime.GetCounters();
            foreach (string gone in _known.Where(id => !all.ContainsKey(id)))
            {
                Remove(gone);
            }

            foreach ((string id, Dhcp4Counters counters) in all)
            {
                foreach (Dhcp4MessageType type in MessageTypes)
                {
                    string name = type.ToString().ToUpperInvariant();
                    Set(_received, counters.Received(type), id, name);
                    Set(_sent, counters.Sent(type), id, name);
                }

                Set(_offers, counters.Sent(Dhcp4MessageType.Offer), id);
                Set(_acks, counters.Sent(Dhcp4MessageType.Ack), id);
                Set(_naks, counters.Sent(Dhcp4MessageType.Nak), id);
                foreach (Dhcp4DropReason reason in IgnoreReasons)
                {
                    Set(_ignored, counters.Dropped(reason), id, SnakeCase(reason.ToString()));
                }

                Set(_malformed, counters.Dropped(Dhcp4DropReason.Malformed), id);
            }

            _networks.Set(all.Count);
            _known = [.. all.Keys];
            UpdateJournals();
        }
    }

    private void UpdateJournals()
    {
        IReadOnlyDictionary<string, LeaseJournalCounters> journals = _runtime.GetLeaseJournalCounters();
        foreach (string gone in _knownJournals.Where(id => !journals.ContainsKey(id)))
        {
            _journalFailures.RemoveLabelled(gone);
            _refusedBindings.RemoveLabelled(gone);
            _journalHealthy.RemoveLabelled(gone);
            _compactionFailures.RemoveLabelled(gone);
            _journalBytes.RemoveLabelled(gone);
        }

        foreach ((string id, LeaseJournalCounters journal) in journals)
        {
            Set(_journalFailures, journal.CommitFailures, id);
            Set(_refusedBindings, journal.RefusedBindings, id);
            Set(_compactionFailures, journal.CompactionFailures, id);
            _journalHealthy.WithLabels(id).Set(journal.Healthy ? 1 : 0);
            _journalBytes.WithLabels(id).Set(journal.JournalBytes);
        }

        _knownJournals = [.. journals.Keys];
    }

    /// <summary>Counters only go up: a lower value means the network's server restarted, so the series is reset.</summary>
    private static void Set(Counter counter, long value, params string[] labels)
    {
        Counter.Child child = counter.WithLabels(labels);
        if (value < child.Value)
        {
            counter.RemoveLabelled(labels);
            child = counter.WithLabels(labels);
        }

        child.IncTo(value);
    }

    private void Remove(string networkId)
    {
        foreach (Dhcp4MessageType type in MessageTypes)
        {
            string name = type.ToString().ToUpperInvariant();
            _received.RemoveLabelled(networkId, name);
            _sent.RemoveLabelled(networkId, name);
        }

        foreach (Dhcp4DropReason reason in IgnoreReasons)
        {
            _ignored.RemoveLabelled(networkId, SnakeCase(reason.ToString()));
        }

        _offers.RemoveLabelled(networkId);
        _acks.RemoveLabelled(networkId);
        _naks.RemoveLabelled(networkId);
        _malformed.RemoveLabelled(networkId);
    }

    private static string SnakeCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}

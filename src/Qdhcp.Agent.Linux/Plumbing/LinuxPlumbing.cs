using System.Text.Json;
using Microsoft.Extensions.Logging;
using Qdhcp.Agent.Model;

namespace Qdhcp.Agent.Linux.Plumbing;

/// <summary>Reads the machine's plumbing and applies plans: the real one is <see cref="LinuxPlumbing"/>.</summary>
public interface INetworkPlumbing
{
    /// <summary>What this agent owns (from its state directory).</summary>
    OwnedPlumbingState Owned { get; }

    /// <summary>
    /// Reads root links and namespaces: all <c>qdhcp-*</c> namespaces, or only <paramref name="namespaces"/> (a
    /// change to one network reads one namespace).
    /// </summary>
    PlumbingState ReadActual(IReadOnlyCollection<string>? namespaces = null);

    /// <summary>The commands that bring <paramref name="actual"/> to <paramref name="desired"/>.</summary>
    /// <param name="removeOnly">Namespace -> bridge of networks to remove (a deleted network); null with <paramref name="removeStale"/>: every stale owned one.</param>
    LinuxPlumbingPlan Plan(IEnumerable<NetworkPlumbing> desired, PlumbingState actual, bool removeStale, IReadOnlyDictionary<string, string>? removeOnly = null);

    /// <summary>Runs a plan and records what is owned. Returns the namespaces whose batch failed, with why.</summary>
    IReadOnlyDictionary<string, string> Apply(LinuxPlumbingPlan plan);
}

/// <summary>
/// Namespaces and devices with iproute2: <c>ip -j</c> output parsed with System.Text.Json source generation, and
/// changes run as <c>ip -batch -</c> (one process for the root namespace, one per namespace that changes; a network
/// that is right costs no process). What the agent made is recorded in <c>&lt;state dir&gt;/plumbing.json</c>, so
/// stale namespaces and bridges it owns are removed at resync and everything else (other agents', the operator's)
/// is left alone.
/// </summary>
public sealed class LinuxPlumbing : INetworkPlumbing
{
    private readonly string _ownedFile;
    private readonly ISegmentDriver _segments;
    private readonly ILogger _logger;
    private readonly Lock _ownedGate = new();
    private OwnedPlumbingState _owned;

    public LinuxPlumbing(string stateDirectory, ISegmentDriver segments, ILogger logger)
    {
        Directory.CreateDirectory(stateDirectory);
        _ownedFile = Path.Combine(stateDirectory, "plumbing.json");
        _segments = segments;
        _logger = logger;
        _owned = LoadOwned(_ownedFile);
    }

    /// <summary>How many namespaces are read or changed at once (each is an <c>ip</c> process).</summary>
    public int Parallelism { get; init; } = Math.Max(4, Environment.ProcessorCount * 2);

    public OwnedPlumbingState Owned
    {
        get
        {
            lock (_ownedGate)
            {
                return _owned;
            }
        }
    }

    public PlumbingState ReadActual(IReadOnlyCollection<string>? namespaces = null)
    {
        Dictionary<string, LinkState> root = ParseLinks(IpCommand.Run(["-j", "-d", "link", "show"]));
        IEnumerable<string> names = namespaces ?? ListNamespaces().Where(n => n.StartsWith(Network.NamespacePrefix, StringComparison.Ordinal));
        HashSet<string> existing = [.. ListNamespaces()];
        List<string> toRead = [.. names.Where(existing.Contains)];
        Dictionary<string, NamespaceState> result = new(StringComparer.Ordinal);
        Lock gate = new();
        Parallel.ForEach(toRead, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, ns =>
        {
            NamespaceState? state = ReadNamespace(ns);
            if (state is not null)
            {
                lock (gate)
                {
                    result[ns] = state;
                }
            }
        });
        return new PlumbingState(root, result);
    }

    public LinuxPlumbingPlan Plan(IEnumerable<NetworkPlumbing> desired, PlumbingState actual, bool removeStale, IReadOnlyDictionary<string, string>? removeOnly = null) =>
        LinuxPlumbingPlanner.Plan(desired, actual, Owned, _segments, removeStale, removeOnly);

    public IReadOnlyDictionary<string, string> Apply(LinuxPlumbingPlan plan)
    {
        Dictionary<string, string> failures = new(StringComparer.Ordinal);
        if (plan.IsEmpty)
        {
            SaveOwned(plan.Owned);
            return failures;
        }

        // Record ownership before making anything, so a crash half-way still knows what it made.
        SaveOwned(Union(Owned, plan.Owned));
        RunNamespaceBatches(plan.NamespaceFirst, failures);

        // -force: one network's failing line must not stop the others'; iproute2 still exits non-zero then.
        RunRoot(plan.RootBefore, failures);
        RunNamespaceBatches(plan.InNamespace, failures);
        RunRoot(plan.RootAfter, failures);
        SaveOwned(plan.Owned);
        return failures;
    }

    private void RunRoot(IReadOnlyList<string> lines, Dictionary<string, string> failures)
    {
        try
        {
            IpCommand.Batch(null, [.. lines], force: true);
        }
        catch (PlumbingException e)
        {
            failures[""] = e.Message;
            PlumbingLog.BatchFailed(_logger, "root", e.Message);
        }
    }

    private void RunNamespaceBatches(IReadOnlyDictionary<string, IReadOnlyList<string>> batches, Dictionary<string, string> failures)
    {
        Lock gate = new();
        Parallel.ForEach(batches, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, batch =>
        {
            try
            {
                IpCommand.Batch(batch.Key, [.. batch.Value], force: true);
            }
            catch (PlumbingException e)
            {
                lock (gate)
                {
                    failures[batch.Key] = e.Message;
                }

                PlumbingLog.BatchFailed(_logger, batch.Key, e.Message);
            }
        });
    }

    private static List<string> ListNamespaces()
    {
        string json = IpCommand.Run(["-j", "netns", "list"]);
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }

        IpNetns[] list = JsonSerializer.Deserialize(json, IpJsonContext.Default.IpNetnsArray) ?? [];
        return [.. list.Select(n => n.Name)];
    }

    /// <summary>One <c>ip -j -n NS -batch -</c> with two commands: its links with addresses, and its default route.</summary>
    private static NamespaceState? ReadNamespace(string ns)
    {
        string output;
        try
        {
            output = IpCommand.Run(["-j", "-n", ns, "-batch", "-"], "addr show\nroute show default\n");
        }
        catch (PlumbingException)
        {
            // Removed meanwhile, or not a namespace we can enter: treat as absent.
            return null;
        }

        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Dictionary<string, LinkState> links = lines.Length > 0 ? ParseLinks(lines[0]) : new(StringComparer.Ordinal);
        RouteState? route = null;
        if (lines.Length > 1 && JsonSerializer.Deserialize(lines[1], IpJsonContext.Default.IpRouteArray) is { Length: > 0 } routes)
        {
            route = new RouteState(routes[0].Gateway, routes[0].Device);
        }

        return new NamespaceState(ns, links, route);
    }

    internal static Dictionary<string, LinkState> ParseLinks(string json)
    {
        Dictionary<string, LinkState> result = new(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(json))
        {
            return result;
        }

        using JsonDocument document = JsonDocument.Parse(json);
        foreach (JsonElement element in document.RootElement.EnumerateArray())
        {
            IpLink link = element.Deserialize(IpJsonContext.Default.IpLink)!;
            int? peer = element.TryGetProperty("link_index", out JsonElement li) && li.ValueKind == JsonValueKind.Number ? li.GetInt32() : null;
            bool isBridge = element.TryGetProperty("linkinfo", out JsonElement info) && info.TryGetProperty("info_kind", out JsonElement kind) && kind.GetString() == "bridge";
            string[] addresses = [.. (link.Addresses ?? []).Where(a => a.Family == "inet").Select(a => $"{a.Local}/{a.PrefixLength}")];
            // ip names a veth's peer in another namespace "tapX@if12"; only the name before '@' is the link's.
            result[link.Name] = new LinkState(link.Name, link.Index, peer, link.Address, link.Mtu, link.IsUp, link.Master, isBridge, addresses);
        }

        return result;
    }

    private static OwnedPlumbingState Union(OwnedPlumbingState a, OwnedPlumbingState b)
    {
        OwnedPlumbingState union = new()
        {
            Namespaces = new Dictionary<string, string?>(a.Namespaces, StringComparer.Ordinal),
            Bridges = new HashSet<string>(a.Bridges, StringComparer.Ordinal),
        };
        foreach ((string ns, string? peer) in b.Namespaces)
        {
            union.Namespaces[ns] = peer;
        }

        union.Bridges.UnionWith(b.Bridges);
        return union;
    }

    private static OwnedPlumbingState LoadOwned(string path)
    {
        if (!File.Exists(path))
        {
            return new OwnedPlumbingState();
        }

        OwnedPlumbingState? state = JsonSerializer.Deserialize(File.ReadAllText(path), IpJsonContext.Default.OwnedPlumbingState);
        return state is null ? new OwnedPlumbingState() : new OwnedPlumbingState
        {
            Namespaces = new Dictionary<string, string?>(state.Namespaces, StringComparer.Ordinal),
            Bridges = new HashSet<string>(state.Bridges, StringComparer.Ordinal),
        };
    }

    /// <summary>Write-temporary, fsync, rename: the file is old or new after a crash, never half.</summary>
    private void SaveOwned(OwnedPlumbingState state)
    {
        lock (_ownedGate)
        {
            string temp = _ownedFile + ".tmp";
            using (FileStream stream = new(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                JsonSerializer.Serialize(stream, state, IpJsonContext.Default.OwnedPlumbingState);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, _ownedFile, overwrite: true);
            _owned = state;
        }
    }
}

internal static partial class PlumbingLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "ip batch in {Namespace} failed: {Error}")]
    public static partial void BatchFailed(ILogger logger, string @namespace, string error);
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Qdhcp.Agent.Store;
using Qdhcp.Engine.Leases;

namespace Qdhcp.Agent.Linux.Hosting;

/// <summary>
/// Writes every network's leases behind the packet path, to <see cref="INetworkStore.SaveLeasesAsync"/>: one loop
/// for all networks (not a thread per network), woken by a change, at most every 100 ms per batch, and once more at
/// stop. A network is written only when its table's version moved since the last write; a failed write is logged
/// and retried on the next pass; serving goes on from memory (as <c>qdhcp serve</c>'s lease file).
/// </summary>
internal sealed class LeaseWriteBehind : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private readonly INetworkStore _store;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, NetworkHost> _dirty = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _written = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;

    public LeaseWriteBehind(INetworkStore store, ILogger logger)
    {
        _store = store;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Marks a network's leases as changed (called from its receive loop; cheap, never blocks).</summary>
    public void Changed(NetworkHost host)
    {
        if (_dirty.TryAdd(host.NetworkId, host))
        {
            _wake.Release();
        }
    }

    /// <summary>Forgets a removed network (its leases were deleted with it).</summary>
    public void Forget(string networkId)
    {
        _dirty.TryRemove(networkId, out _);
        _written.TryRemove(networkId, out _);
    }

    /// <summary>Writes whatever is pending now (used at stop and by tests).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        foreach (string id in _dirty.Keys.ToList())
        {
            if (_dirty.TryRemove(id, out NetworkHost? host))
            {
                await WriteAsync(host, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task RunAsync()
    {
        try
        {
            while (true)
            {
                await _wake.WaitAsync(_stopping.Token).ConfigureAwait(false);
                await Task.Delay(Interval, _stopping.Token).ConfigureAwait(false);
                await FlushAsync(_stopping.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task WriteAsync(NetworkHost host, CancellationToken cancellationToken)
    {
        long version = host.Engine.Leases.Version;
        if (_written.TryGetValue(host.NetworkId, out long written) && written == version)
        {
            return;
        }

        List<LeaseRecord> records = host.Engine.Leases.ToRecords();
        try
        {
            await _store.SaveLeasesAsync(host.NetworkId, records, cancellationToken).ConfigureAwait(false);
            _written[host.NetworkId] = version;
        }
        catch (StoreNotFoundException)
        {
            // The network was deleted meanwhile; its leases went with it.
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            AgentLog.LeaseWriteFailed(_logger, host.NetworkId, e.Message);
            Changed(host);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        await FlushAsync(CancellationToken.None).ConfigureAwait(false);
        _stopping.Dispose();
        _wake.Dispose();
    }
}
